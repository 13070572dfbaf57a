"""The mixed load of `bench/loadtest.py`: cadres, branch chairs and federation staff using the app at once.

Run by bench/loadtest.py (which seeds the requests to approve and passes LOAD_PARAMS); by hand:
    LOAD_PARAMS=bench/results/loadtest-params.json .venv/bin/locust -f bench/locustfile.py --host http://...

Every simulated user signs in through the login form (a session of its own), then works with a
think time between pages, as a person would: cadres read My visits, open households and record a
visit; chairs read the list, search, open files and approve aid; federation staff read the
dashboard and the list. Any answer but the expected status counts as an error.

The people are FastHttpUsers (geventhttpclient): Locust runs on the same two cores as gunicorn and
PostgreSQL, and the requests-based HttpUser spent several times the CPU per request, taken from the
server it measures.
"""

import itertools
import json
import os
import random
import re
import threading

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

PARAMS = json.loads(open(os.environ["LOAD_PARAMS"]).read())  # noqa: SIM115 - read once at import
PASSWORD = PARAMS["password"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RADIO = re.compile(r'type="radio" name="(kind|outcome)" value="([^"]+)"')
VISITOR = re.compile(r'type="checkbox" name="visitors" value="([^"]+)"')
# Each aid request is approved once: the chairs share one queue of request ids.
_approvals = iter(PARAMS["approvals"])
_approvals_lock = threading.Lock()
_files = itertools.cycle(PARAMS["cadre_files"])


# Sign-ins happen while the people arrive; the load test's figures are reset once all are in, so the
# sign-in times are kept here and written out at the end (LOAD_SIGNINS).
_signins: list[float] = []


@events.request.add_listener
def _keep_signin(request_type, name, response_time, exception, **_kwargs) -> None:
    if name == "login" and exception is None:
        _signins.append(response_time)


@events.quitting.add_listener
def _write_signins(**_kwargs) -> None:
    if path := os.environ.get("LOAD_SIGNINS"):
        with open(path, "w") as fh:
            json.dump(_signins, fh)


def _next_approval() -> int | None:
    with _approvals_lock:
        return next(_approvals, None)


class _Person(FastHttpUser):
    abstract = True
    wait_time = between(PARAMS["think_min_s"], PARAMS["think_max_s"])
    username = ""

    def on_start(self) -> None:
        page = self.client.get("/accounts/login/", name="login form")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/accounts/login/",
            {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")

    def _csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name.endswith("csrftoken")), "")


class Cadre(_Person):
    weight = 5
    username = PARAMS["cadre"]

    @task(3)
    def my_visits(self) -> None:
        self.client.get("/visits/", name="my visits")

    @task(3)
    def file_page(self) -> None:
        self.client.get(f"/files/{random.choice(PARAMS['cadre_files'])}/", name="file page")

    @task(2)
    def file_list(self) -> None:
        self.client.get("/files/", name="file list")

    @task(1)
    def record_visit(self) -> None:
        pk = next(_files)
        form = self.client.get(f"/visits/file/{pk}/new/", name="visit form")
        radios = dict(RADIO.findall(form.text))
        visitor = VISITOR.search(form.text)
        token = CSRF.search(form.text)
        if not (token and visitor and {"kind", "outcome"} <= radios.keys()):
            return
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "visited_on": PARAMS["today"],
            "kind": radios["kind"],
            "outcome": radios["outcome"],
            "met": "on",
            "visitors": visitor.group(1),
            "notes": "负载测试走访",
            "condolence_money": "0",  # required (zero when nothing was given); the first run left it out
        }
        data |= {f"knows_{k}": "on" for k in ("name", "address", "phone", "spouse", "schooling", "family_event")}
        with self.client.post(
            f"/visits/file/{pk}/new/", data, name="record visit", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"visit not saved ({response.status_code})")


class Chair(_Person):
    weight = 3
    username = PARAMS["chair"]

    @task(3)
    def file_list(self) -> None:
        self.client.get("/files/", name="file list")

    @task(2)
    def search(self) -> None:
        self.client.get(f"/files/?q={random.choice(PARAMS['names'])}", name="file search")

    @task(2)
    def file_page(self) -> None:
        self.client.get(f"/files/{random.choice(PARAMS['chair_files'])}/", name="file page")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(2)
    def approve(self) -> None:
        self.client.get("/funds/aid/approvals/", name="approvals queue")
        pk = _next_approval()
        if pk is None:
            return
        self.client.get(f"/funds/aid/{pk}/", name="aid request")
        with self.client.post(
            f"/funds/aid/{pk}/decide/approve/",
            {"comment": "", "csrfmiddlewaretoken": self._csrf()},
            headers={"Referer": f"{self.host}/funds/aid/{pk}/"},
            name="approve",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"approval answered {response.status_code}")


class Federation(_Person):
    weight = 2
    username = PARAMS["federation"]

    @task(3)
    def dashboard(self) -> None:
        self.client.get("/", name="dashboard")

    @task(2)
    def file_list(self) -> None:
        self.client.get("/files/", name="file list")

    @task(1)
    def file_page(self) -> None:
        self.client.get(f"/files/{random.choice(PARAMS['chair_files'])}/", name="file page")
