"""torch's dtype names as numpy dtypes: `x.dtype == tracegrad.float32` holds for a float32
Tensor, and every `dtype=` argument takes them. Aliases are the same objects (float is float32).

This module shadows the builtins bool, float and int on purpose (they are torch's names here), so
it holds nothing but these assignments.
"""

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
