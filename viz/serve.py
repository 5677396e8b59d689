"""Serve widgets as web pages on 127.0.0.1 with Voila: `serve(["viz.playground:playground"])`.

Each target is a "module:function" string naming a callable that takes no arguments and returns
a widget. For each, a one-cell notebook (`from module import function; function()`) is written
into a temporary folder, and one Voila server renders every notebook of that folder as a page at
`/voila/render/<function>.ipynb`. The pages use the template `tracegrad`, written next to the
notebooks: Voila's `lab` template with its two CDN FontAwesome stylesheets left out and a page
frame of its own (Voila's links a third), so a page needs nothing from outside 127.0.0.1
(JupyterLab's own icons come with the page).

`Server` starts and stops one such server (tests use it through tests/browser.py); `serve` runs
one for a person: it prints the URLs, opens a browser and stops cleanly on Ctrl-C.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Sequence
from pathlib import Path

import nbformat

HOST = "127.0.0.1"
TEMPLATE = "tracegrad"
KERNEL_IDLE_TIMEOUT = 600  # s: a kernel left behind by a closed tab is shut down after this
STOP_TIMEOUT = 5.0  # s Voila gets to stop on SIGINT before it is killed

# The page template: Voila's lab index without the CDN stylesheets, and a page frame (for the
# folder listing and error pages) that links nothing outside the server.
_CDN_LINKS = (
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5'
    '/css/all.min.css" type="text/css" />',
    '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5'
    '/css/v4-shims.min.css" type="text/css" />',
)
_INDEX = (
    "{%- extends 'voila/templates/lab/index.html.j2' -%}\n"
    "{%- block notebook_css -%}\n"
    "{{ super()" + "".join(f" | replace({link!r}, '')" for link in _CDN_LINKS) + " }}\n"
    "{%- endblock notebook_css -%}\n"
)
_PAGE = """<!DOCTYPE HTML>
<html>
  <head>
    <meta charset="utf-8">
    <title>{% block title %}tracegrad{% endblock %}</title>
    {% block stylesheets %}
    {% if include_css %}{{ include_css("static/index.css") }}
    {{ include_css("static/theme-light.css") }}{% endif %}
    {% endblock %}
    {% block meta %}{% endblock %}
  </head>
  <body data-base-url="{{ base_url }}voila/" data-voila="voila">
    <div>{% block body %}{% endblock %}</div>
    {% block scripts %}{% endblock %}
  </body>
</html>
"""


class VoilaExited(RuntimeError):
    """Voila stopped before answering (its port taken, say); the message ends with its log."""


class Server:
    """One Voila server on 127.0.0.1:port rendering a page per "module:function" target.

    Use as a context manager (or call start and stop): `with Server(targets, port) as server:
    server.urls["playground"]`. The notebooks, template and Voila's log live in a temporary
    folder removed on stop.
    """

    def __init__(self, targets: Sequence[str], port: int = 8866) -> None:
        if isinstance(targets, str):
            raise TypeError(f"Server: targets must be a list of 'module:function', got {targets!r}")
        self.names = [page_name(target) for target in targets]
        if not self.names:
            raise ValueError("Server: no targets to serve")
        repeated = sorted({name for name in self.names if self.names.count(name) > 1})
        if repeated:
            raise ValueError(f"Server: two targets make the page {', '.join(repeated)}")
        self.targets = list(targets)
        self.port = port
        self.base_url = f"http://{HOST}:{port}"
        self.urls = {name: f"{self.base_url}/voila/render/{name}.ipynb" for name in self.names}
        self._folder: tempfile.TemporaryDirectory | None = None
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> "Server":
        """Write the notebooks and template, start Voila and wait until it answers; VoilaExited
        if it stops first, RuntimeError if it does not answer within `timeout` s (each with the
        end of Voila's log)."""
        self._folder = tempfile.TemporaryDirectory(prefix="tracegrad-serve-")
        root = Path(self._folder.name)
        pages = root / "pages"
        pages.mkdir()
        for name, target in zip(self.names, self.targets, strict=True):
            nbformat.write(_notebook(target), pages / f"{name}.ipynb")
        _write_template(root / "share")
        env = {**os.environ, "JUPYTER_PATH": os.pathsep.join(
            [str(root / "share"), *filter(None, [os.environ.get("JUPYTER_PATH")])])}  # fmt: skip
        self._log = open(root / "voila.log", "wb")  # noqa: SIM115 (closed in stop)
        self._process = subprocess.Popen(
            _voila_command(pages, self.port), env=env, cwd=pages, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            self._wait_until_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop Voila: SIGINT, then SIGKILL to its process group after STOP_TIMEOUT s."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.send_signal(signal.SIGINT)
                try:
                    self._process.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    os.killpg(self._process.pid, signal.SIGKILL)
                    self._process.wait()
            self._process = None
            self._log.close()
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    @property
    def running(self) -> bool:
        """Whether the Voila process is up."""
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """What Voila has written so far (its requests and errors)."""
        if self._folder is None:
            return ""
        return (Path(self._folder.name) / "voila.log").read_text(errors="replace")

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise VoilaExited(
                    f"Voila stopped with exit code {self._process.returncode} before answering "
                    f"on {self.base_url}:\n{self.log()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"Voila did not answer on {self.base_url} within {timeout:g} s:\n"
                           f"{self.log()[-3000:]}")  # fmt: skip


def page_name(target: str) -> str:
    """The page a "module:function" target becomes: the function's name."""
    module, sep, function = target.partition(":")
    if not (sep and function.isidentifier() and all(p.isidentifier() for p in module.split("."))):
        raise ValueError(f"serve: a target is 'module:function', got {target!r}")
    return function


def serve(targets: Sequence[str], port: int = 8866, open_browser: bool = True) -> None:
    """Serve each "module:function" widget as a page on 127.0.0.1:port until Ctrl-C: print each
    page's URL and open the first in a browser unless `open_browser` is False."""
    with Server(targets, port) as server:
        for url in server.urls.values():
            print(f"serving {url}", flush=True)
        print("press Ctrl-C to stop", flush=True)
        if open_browser:
            webbrowser.open(next(iter(server.urls.values())))
        try:
            while server.running:
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("stopping", flush=True)
            return
        raise RuntimeError(f"Voila stopped on its own:\n{server.log()[-3000:]}")


def _notebook(target: str) -> nbformat.NotebookNode:
    module, _, function = target.partition(":")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(f"from {module} import {function}\n{function}()")]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}  # fmt: skip
    return notebook


def _write_template(share: Path) -> None:
    folder = share / "voila" / "templates" / TEMPLATE
    folder.mkdir(parents=True)
    (folder / "conf.json").write_text('{"base_template": "lab"}\n')
    (folder / "index.html.j2").write_text(_INDEX)
    (folder / "page.html").write_text(_PAGE)


def _voila_command(pages: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "voila", str(pages), "--no-browser", f"--port={port}",
        f"--Voila.ip={HOST}", "--Voila.port_retries=0", f"--template={TEMPLATE}",
        "--theme=light",
        f"--MappingKernelManager.cull_idle_timeout={KERNEL_IDLE_TIMEOUT}",
        "--MappingKernelManager.cull_interval=60",
    ]  # fmt: skip
