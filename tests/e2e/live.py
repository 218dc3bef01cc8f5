"""A real Home Assistant and the Pushover simulator, as processes on 127.0.0.1.

Shared by ``scripts/develop`` (``python -m tests.e2e.develop``, in ``develop.py``) and the
browser test in this folder. Standard library only, so it runs in any venv that has Home
Assistant.

Everything listens on 127.0.0.1 only; processes are stopped by PID (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import IO, Any
import urllib.error
import urllib.parse
import urllib.request

from pushover_simulator import DEMO_TOKEN, DEMO_USER

from .dev_config import DOMAIN, HOST, REPO, write_config

ENV_API_URL = "PUSHOVER_COMPLETE_API_URL"
USERNAME = "dev"
PASSWORD = "dev-password-1234"  # a throwaway local account
OWNER = "Developer"  # the owner's display name, which the first flow suggests


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


# ------------------------------------------------------------------------ processes
@dataclass
class Proc:
    """A child process with its output in a log file; stopped by PID."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether it still runs."""
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait, then SIGKILL; returns the exit code."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    self.popen.kill()
                self.popen.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.popen.returncode

    def tail(self, lines: int = 40) -> str:
        """The end of its log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def spawn(
    name: str,
    args: list[str],
    log_path: Path,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Proc:
    """Start a process, its stdout and stderr going to log_path."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    popen = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return Proc(name, popen, log_path, log)


def start_simulator(port: int, log_path: Path) -> Proc:
    """``python -m pushover_simulator`` on 127.0.0.1:port."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(ENV_API_URL, None)
    return spawn(
        "simulator",
        [
            sys.executable,
            "-m",
            "pushover_simulator",
            "--host",
            HOST,
            "--port",
            str(port),
        ],
        log_path,
        cwd=REPO,
        env=env,
    )


def start_hass(config_dir: Path, log_path: Path, api_url: str | None) -> Proc:
    """``hass -c config_dir --skip-pip`` with the integration pointed at api_url."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(ENV_API_URL, None)
    if api_url:
        env[ENV_API_URL] = api_url
    # Run from the config dir: with "-m", the working directory is on sys.path, and the
    # repository's own custom_components/ must not shadow the config dir's.
    return spawn(
        "hass",
        [sys.executable, "-m", "homeassistant", "-c", str(config_dir), "--skip-pip"],
        log_path,
        cwd=config_dir,
        env=env,
    )


def wait_for(
    what: str,
    check: Any,
    timeout: float,
    *,
    interval: float = 0.2,
    procs: tuple[Proc, ...] = (),
) -> Any:
    """Poll check() until it returns something truthy; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        for proc in procs:
            if not proc.alive():
                raise RuntimeError(
                    f"{proc.name} exited ({proc.popen.returncode}) while waiting for "
                    f"{what}; log {proc.log_path}:\n{proc.tail()}"
                )
        try:
            if result := check():
                return result
        except (OSError, ValueError) as err:
            last = err
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} ({last!r})")


# ---------------------------------------------------------------------------- HTTP
def http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, str] | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """A request to 127.0.0.1 only; returns (status, decoded JSON or text)."""
    if urllib.parse.urlsplit(url).hostname != HOST:
        raise ValueError(f"refusing to talk to anything but {HOST}: {url}")
    headers = {}
    data = None
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    # No proxy: 127.0.0.1 is always reached directly.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    text = raw.decode(errors="replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def expect(status: int, body: Any, *ok: int) -> Any:
    """The body, or an error naming the status."""
    if status not in ok:
        raise RuntimeError(f"HTTP {status}: {body}")
    return body


@dataclass
class Tokens:
    """What /auth/token returned."""

    access_token: str
    refresh_token: str
    expires_in: int


class HomeAssistantClient:
    """Onboarding, config flow and actions over Home Assistant's REST API."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = f"{self.base_url}/"
        self.tokens: Tokens | None = None

    @property
    def token(self) -> str:
        """The access token (after onboard())."""
        assert self.tokens is not None, "onboard() first"
        return self.tokens.access_token

    def api_ready(self) -> bool:
        """Whether HTTP is up: /api/onboarding answers (no authentication needed).

        Not /api/ without a token: its 401 counts as a failed login, which Home Assistant
        shows as a "Login attempt failed" notification. /api/onboarding answers 200 while
        onboarding runs and 404 once it is finished (its views are gone then).
        """
        try:
            status, _ = http("GET", f"{self.base_url}/api/onboarding", timeout=2)
        except OSError:
            return False
        return status in (200, 404)

    def onboarding_left(self) -> list[str]:
        """The onboarding steps not done yet (none once onboarding is finished)."""
        status, body = http("GET", f"{self.base_url}/api/onboarding")
        if status == 404:
            return []
        return [step["step"] for step in expect(status, body, 200) if not step["done"]]

    def request(self, method: str, path: str, body: Any = None, *ok: int) -> Any:
        """An authenticated JSON request."""
        status, data = http(
            method, f"{self.base_url}{path}", json_body=body, token=self.token
        )
        return expect(status, data, *(ok or (200, 201)))

    def onboard(self) -> Tokens:
        """Create the owner, get tokens, and finish the onboarding steps left."""
        left = self.onboarding_left()
        if "user" not in left:
            raise RuntimeError("Home Assistant already has its owner: onboarded before")
        status, body = http(
            "POST",
            f"{self.base_url}/api/onboarding/users",
            json_body={
                "client_id": self.client_id,
                "name": OWNER,
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        code = expect(status, body, 200)["auth_code"]
        status, body = http(
            "POST",
            f"{self.base_url}/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        body = expect(status, body, 200)
        self.tokens = Tokens(
            body["access_token"], body["refresh_token"], int(body["expires_in"])
        )
        # The steps left (none after seed_onboarding), so that the frontend shows Home
        # Assistant rather than onboarding.
        bodies = {
            "core_config": {},
            "analytics": {},
            "integration": {
                "client_id": self.client_id,
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        }
        for step in left:
            if step in bodies:
                self.request("POST", f"/api/onboarding/{step}", bodies[step])
        return self.tokens

    def create_entry(
        self, name: str, api_key: str, user_key: str, recipient: str | None = None
    ) -> dict[str, Any]:
        """Run our config flow (its defaults left as offered); returns the entry.

        The first recipient is called ``recipient``, or after the application if None.
        """
        form = self.request(
            "POST", "/api/config/config_entries/flow", {"handler": DOMAIN}
        )
        if form.get("type") != "form":
            raise RuntimeError(f"config flow did not show a form: {form}")
        answers = {"name": name, "api_key": api_key, "user_key": user_key}
        if recipient is not None:
            answers["recipient_name"] = recipient
        result = self.request(
            "POST", f"/api/config/config_entries/flow/{form['flow_id']}", answers
        )
        if result.get("step_id") == "defaults":  # the first recipient's: as offered
            result = self.request(
                "POST", f"/api/config/config_entries/flow/{form['flow_id']}", {}
            )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"config flow did not create an entry: {result}")
        entry_id = result["result"]["entry_id"]

        def loaded() -> dict[str, Any] | None:
            for entry in self.request(
                "GET", f"/api/config/config_entries/entry?domain={DOMAIN}"
            ):
                if entry["entry_id"] == entry_id and entry["state"] == "loaded":
                    return dict(entry)
            return None

        return dict(wait_for("the entry to load", loaded, 30))

    def add_recipient(self, entry_id: str, name: str, user_key: str) -> None:
        """Add recipient (a subentry flow): a name and a key, its defaults as offered."""
        path = "/api/config/config_entries/subentries/flow"
        form = self.request("POST", path, {"handler": [entry_id, "recipient"]})
        result = self.request(
            "POST",
            f"{path}/{form['flow_id']}",
            {"name": name, "user_key": user_key},
        )
        if result.get("step_id") == "defaults":
            result = self.request("POST", f"{path}/{form['flow_id']}", {})
        if result.get("type") != "create_entry":
            raise RuntimeError(f"the recipient flow did not add {name}: {result}")

    def states(self) -> list[dict[str, Any]]:
        """GET /api/states."""
        return list(self.request("GET", "/api/states"))

    def state(self, entity_id: str) -> dict[str, Any] | None:
        """One entity's state, or None."""
        status, body = http(
            "GET", f"{self.base_url}/api/states/{entity_id}", token=self.token
        )
        return dict(body) if status == 200 else None

    def call(
        self, domain: str, service: str, data: dict[str, Any], *, response: bool = False
    ) -> Any:
        """POST /api/services/domain/service (?return_response)."""
        path = f"/api/services/{domain}/{service}"
        if response:
            path += "?return_response"
        return self.request("POST", path, data)


def sim_state(sim_port: int) -> dict[str, Any]:
    """The simulator's GET /_sim/state."""
    return dict(expect(*http("GET", f"http://{HOST}:{sim_port}/_sim/state"), 200))


# ------------------------------------------------------------------------- a stack
@dataclass
class Stack:
    """The simulator (optional) and Home Assistant, running."""

    config_dir: Path
    ha_port: int
    sim_port: int | None
    procs: list[Proc]
    ha: HomeAssistantClient

    @property
    def ha_url(self) -> str:
        """Home Assistant's URL."""
        return f"http://{HOST}:{self.ha_port}"

    @property
    def sim_url(self) -> str | None:
        """The simulator's inbox."""
        return f"http://{HOST}:{self.sim_port}/" if self.sim_port else None

    def stop(self) -> None:
        """Stop every process, Home Assistant first."""
        for proc in reversed(self.procs):
            proc.stop()


@contextlib.contextmanager
def running_stack(
    config_dir: Path,
    log_dir: Path,
    *,
    ha_port: int,
    sim_port: int | None,
    fresh_config: bool = True,
    ready_timeout: float = 90.0,
) -> Iterator[Stack]:
    """Start the simulator (unless sim_port is None) and Home Assistant; always stop them."""
    for port in (ha_port, sim_port):
        if port and port_in_use(port):
            raise RuntimeError(f"127.0.0.1:{port} is already in use")
    write_config(config_dir, ha_port, overwrite=fresh_config)
    procs: list[Proc] = []
    stack = Stack(
        config_dir,
        ha_port,
        sim_port,
        procs,
        HomeAssistantClient(f"http://{HOST}:{ha_port}"),
    )
    try:
        api_url = None
        if sim_port:
            sim = start_simulator(sim_port, log_dir / "simulator.log")
            procs.append(sim)
            wait_for(
                "the simulator",
                lambda: (
                    http("GET", f"http://{HOST}:{sim_port}/_sim/state", timeout=2)[0]
                    == 200
                ),
                20,
                procs=(sim,),
            )
            api_url = f"http://{HOST}:{sim_port}/1/"
        hass = start_hass(config_dir, log_dir / "hass.log", api_url)
        procs.append(hass)
        wait_for(
            "Home Assistant's HTTP API",
            stack.ha.api_ready,
            ready_timeout,
            interval=0.3,
            procs=(hass,),
        )
        yield stack
    finally:
        stack.stop()


def smoke(stack: Stack, api_key: str, user_key: str) -> list[str]:
    """Onboard, create the entry through the flow, send a message, see it arrive."""

    assert stack.sim_port
    done = []
    ha = stack.ha
    ha.onboard()
    done.append("onboarded (owner created, tokens issued)")
    components = set(ha.request("GET", "/api/config")["components"])
    missing = {"recorder", "history", "logbook"} - components
    if missing:
        raise RuntimeError(f"not loaded: {', '.join(sorted(missing))}")
    done.append("recorder, history and logbook loaded")
    before = {s["entity_id"] for s in ha.states()}
    entry = ha.create_entry("Pushover", api_key or DEMO_TOKEN, user_key or DEMO_USER)
    done.append(f"config entry {entry['entry_id']} created through the flow and loaded")

    def new_notify() -> list[str]:
        return sorted(
            s["entity_id"]
            for s in ha.states()
            if s["entity_id"].startswith("notify.") and s["entity_id"] not in before
        )

    notify = wait_for("the notify entity", new_notify, 20)[0]
    text = f"develop --check {time.time():.0f}"
    response = ha.call(
        DOMAIN,
        "send_message",
        {"entity_id": notify, "message": text, "title": "Smoke test"},
        response=True,
    )
    done.append(
        f"send_message via {notify}: {json.dumps(response.get('service_response'))}"
    )

    def arrived() -> bool:
        return any(
            m.get("message") == text
            for m in sim_state(stack.sim_port).get("messages", [])
        )

    wait_for("the message at the simulator", arrived, 10)
    done.append("the message reached the simulator (/_sim/state)")
    return done
