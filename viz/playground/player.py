"""Player: calls a frame function in a background thread, at most `fps` times a second.

The kernel stays free while it plays (the page's buttons and the notebook keep answering). Frames
wait for the browser: once a view has reported a painted frame (`painted`), a frame waits while
IN_FLIGHT frames are sent but not yet painted. Three in flight let the next frames be computed
while the browser paints (two gave about 17 frames/s in Chromium, three about 18-22). Without
that back-pressure a producer outruns the browser, the unsent updates pile up in the server and
Pause takes effect seconds late (issue 18 measured 25 s). A view that paints nothing for
`stall_timeout` seconds is gone (a closed tab; a hidden one does not paint either): playing
stops, so a forgotten page does not train forever and its kernel can be culled as idle. Pause
takes effect at the end of the frame being computed.
"""

import threading
import time
from collections.abc import Callable

IN_FLIGHT = 3  # frames sent and not yet reported painted, at most


class Player:
    """Runs `frame()` over and over in a thread while playing; `frame` returns False to stop
    (a diverged run, say). `fps` caps the rate; `on_stop` is called when the thread stops by
    itself (frame returned False, or the view stalled: then `stalled` is True)."""

    def __init__(self, frame: Callable[[], bool], fps: float = 30.0, stall_timeout: float = 10.0,
                 on_stop: Callable[[], None] | None = None) -> None:  # fmt: skip
        if not fps > 0:
            raise ValueError(f"Player: fps must be > 0, got {fps!r}")
        self.frame, self.fps, self.stall_timeout = frame, fps, stall_timeout
        self.on_stop = on_stop
        self.view_connected = False  # set once a view has painted a frame
        self.stalled = False  # the last run stopped because no view painted
        self.frames = 0  # frames computed since the player was made
        self._unpainted = 0  # frames sent that no view has reported painted
        self._paint = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def playing(self) -> bool:
        """Whether frames are running (False as soon as pause or a frame has stopped them)."""
        alive = self._thread is not None and self._thread.is_alive()
        return alive and not self._stop.is_set()

    def play(self) -> None:
        """Start playing (nothing if already playing)."""
        if self.playing:
            return
        self.pause()  # a thread that has stopped itself finishes first
        self._stop.clear()
        self.stalled = False
        self._unpainted = 0
        self._thread = threading.Thread(target=self._run, name="playground-player", daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stop after the frame being computed; returns once the thread has stopped."""
        self._stop.set()
        with self._paint:
            self._paint.notify_all()  # a frame waiting for the browser stops waiting
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def painted(self, behind: int = 0) -> None:
        """A view has painted a frame, `behind` frames before the last one sent (a view may
        paint only the newest of several that arrived together)."""
        with self._paint:
            self.view_connected = True
            self._unpainted = behind
            self._paint.notify_all()

    def _run(self) -> None:
        period = 1.0 / self.fps
        next_frame = time.monotonic()
        while not self._stop.is_set():
            with self._paint:
                self.stalled = not self._paint.wait_for(self._may_send, self.stall_timeout)
                self._unpainted += 1
            if self._stop.is_set():
                break
            if self.stalled or not self._next_frame():
                self._stop.set()
                if self.on_stop is not None:
                    self.on_stop()
                break
            next_frame = max(next_frame + period, time.monotonic())
            self._stop.wait(max(0.0, next_frame - time.monotonic()))

    def _next_frame(self) -> bool:
        self.frames += 1
        return self.frame()

    def _may_send(self) -> bool:
        return self._stop.is_set() or not self.view_connected or self._unpainted < IN_FLIGHT
