"""The deployment files hold together and start real things.

No Docker engine runs here, so Dockerfile, docker-compose.yml, .dockerignore and
.env.example are read as text and YAML, and what they start (gunicorn, Celery,
manage.py, the web healthcheck) is resolved or run against this checkout with the
production settings.
"""

import ast
import http.client
import importlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

import hardship.celery

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("web", "worker", "beat")
# The variables production reads come from these two modules (production imports base).
SETTINGS_MODULES = (ROOT / "hardship/settings/base.py", ROOT / "hardship/settings/production.py")
# Read by base.py but overridden by production.py, so .env.example need not offer it.
IGNORED_BY_PRODUCTION = {"DEBUG"}
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "hardship.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


# --- reading the files --------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(KEYWORD, arguments) for each Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    split = [line.partition(" ") for line in lines if line and not line.startswith("#")]
    return [(keyword.upper(), rest.strip()) for keyword, _, rest in split]


def dockerfile_cmd() -> list[str]:
    cmds = [yaml.safe_load(args) for kw, args in dockerfile_instructions() if kw == "CMD"]
    assert len(cmds) == 1, "the Dockerfile should have exactly one CMD"
    return cmds[0]


def dockerfile_runs() -> list[str]:
    return [args for kw, args in dockerfile_instructions() if kw == "RUN"]


def shell_steps(script: str) -> list[list[str]]:
    """A `a && b && c` shell line as its commands, each split into words."""
    return [shlex.split(step) for step in script.split("&&")]


def run_step_with(word: str) -> list[list[str]]:
    [run] = [run for run in dockerfile_runs() if word in run]
    return shell_steps(run)


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution."""

    def substitute(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", substitute, value)


def settings_env_vars() -> set[str]:
    """Every variable name the production settings read from the environment."""
    readers = {"os.environ.get", "os.getenv", "env_bool", "env_list"}
    names = set()
    for path in SETTINGS_MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in readers and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                names.add(ast.literal_eval(node.slice))
    return names


def env_example() -> dict[str, str]:
    """Names in .env.example, set or commented out, with their example values."""
    found = re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", (ROOT / ".env.example").read_text(), re.MULTILINE)
    return dict(found)


def production_env(**overrides: str | None) -> dict[str, str]:
    """This process's environment without anything the settings read, plus production values."""
    dropped = settings_env_vars() | {"DJANGO_SETTINGS_MODULE"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(PRODUCTION_ENV)
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603


# --- docker-compose.yml -------------------------------------------------------


def test_compose_defines_database_redis_web_worker_and_beat():
    assert set(compose()["services"]) == {"db", "redis", "web", "worker", "beat"}


# ids that are not bare "redis": conftest skips tests carrying that keyword when Redis is down.
@pytest.mark.parametrize("name", ["db", "redis", "web"], ids=["db-service", "redis-service", "web-service"])
def test_service_declares_a_healthcheck_command(name):
    test = service(name)["healthcheck"]["test"]
    assert test[0] in {"CMD", "CMD-SHELL"}
    assert len(test) > 1


def test_db_and_redis_healthchecks_use_pg_isready_and_redis_cli_ping():
    assert service("db")["healthcheck"]["test"][1] == "pg_isready"
    assert service("redis")["healthcheck"]["test"][1:] == ["redis-cli", "ping"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_db_and_redis(name):
    depends_on = service(name)["depends_on"]
    assert depends_on["db"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}


def test_every_awaited_service_has_a_healthcheck_to_await():
    services = compose()["services"]
    for name, spec in services.items():
        for dependency, rule in spec.get("depends_on", {}).items():
            assert rule["condition"] == "service_healthy", f"{name} -> {dependency}"
            assert "healthcheck" in services[dependency], f"{name} waits on {dependency}, which has no healthcheck"


def test_worker_and_beat_wait_for_web_so_migrations_have_run():
    for name in ("worker", "beat"):
        assert service(name)["depends_on"]["web"] == {"condition": "service_healthy"}


def mounts(name: str) -> dict[str, str]:
    """Container path -> volume source, for one service."""
    return {target: source for source, target in (v.split(":")[:2] for v in service(name).get("volumes", []))}


def test_data_lives_in_declared_named_volumes():
    declared = set(compose()["volumes"])
    assert mounts("db")["/var/lib/postgresql/data"] in declared
    assert mounts("redis")["/data"] in declared
    for name in APP_SERVICES:
        assert mounts(name)["/app/media"] in declared


def test_no_service_mounts_a_host_directory():
    sources = {source for name in compose()["services"] for source in mounts(name).values()}
    assert sources <= set(compose()["volumes"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_production_settings_against_the_db_and_redis_services(name):
    spec = service(name)
    dot_env = {"POSTGRES_PASSWORD": "pw"}
    env = {key: interpolate(value, dot_env) for key, value in spec["environment"].items()}
    db_env = {key: interpolate(value, dot_env) for key, value in service("db")["environment"].items()}
    database = dj_database_url.parse(env["DATABASE_URL"])
    assert spec["env_file"] == ".env"
    assert env["DJANGO_SETTINGS_MODULE"] == "hardship.settings.production"
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"]) == ("db", 5432)
    assert (database["USER"], database["PASSWORD"], database["NAME"]) == (
        db_env["POSTGRES_USER"],
        db_env["POSTGRES_PASSWORD"],
        db_env["POSTGRES_DB"],
    )
    assert database["NAME"] == "hardship"
    assert env["REDIS_URL"] == "redis://redis:6379/0"


def test_compose_refuses_to_start_without_a_postgres_password():
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        interpolate(service("db")["environment"]["POSTGRES_PASSWORD"], {})


def test_web_publishes_the_port_gunicorn_binds_and_the_healthcheck_calls():
    bind = dockerfile_cmd()[dockerfile_cmd().index("--bind") + 1]
    healthcheck = service("web")["healthcheck"]["test"][-1]
    assert bind == "0.0.0.0:8000"  # noqa: S104
    assert service("web")["ports"] == ["127.0.0.1:8000:8000"]
    assert "http://127.0.0.1:8000/accounts/login/" in healthcheck
    assert resolve("/accounts/login/").url_name == "login"


# --- the commands name real things --------------------------------------------


def test_web_migrates_then_execs_the_images_gunicorn_command():
    shell, flag, script = service("web")["command"]
    migrate, serve = shell_steps(script)
    assert (shell, flag) == ("sh", "-c")
    assert migrate == ["python", "manage.py", "migrate", "--noinput"]
    assert serve == ["exec", *dockerfile_cmd()]


def test_gunicorn_target_is_the_wsgi_application_django_names():
    program, target = dockerfile_cmd()[:2]
    module_name, attribute = target.split(":")
    application = getattr(importlib.import_module(module_name), attribute)
    assert program == "gunicorn"
    assert callable(application)
    assert f"{module_name}.{attribute}" == settings.WSGI_APPLICATION


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_command_loads_the_hardship_app(name):
    command = service(name)["command"]
    app = find_app(command[command.index("-A") + 1])
    assert command[0] == "celery"
    assert command[command.index("-A") + 2] == name
    assert isinstance(app, Celery)
    assert app is hardship.celery.app


def test_every_manage_py_command_in_the_deployment_exists():
    steps = shell_steps(service("web")["command"][-1]) + [s for run in dockerfile_runs() for s in shell_steps(run)]
    used = {step[step.index("manage.py") + 1] for step in steps if "manage.py" in step}
    assert (ROOT / "manage.py").is_file()
    assert {"migrate", "compilemessages", "collectstatic"} <= used
    assert used <= set(get_commands())


# --- Dockerfile and .dockerignore ---------------------------------------------


def test_image_runs_as_the_non_root_user_it_creates():
    instructions = dockerfile_instructions()
    users = [args for kw, args in instructions if kw == "USER"]
    keywords = [kw for kw, _ in instructions]
    assert users and users[-1] not in {"root", "0"}
    assert keywords.index("USER") < keywords.index("CMD")
    assert any(re.search(rf"useradd .*\b{users[-1]}$", run) for run in dockerfile_runs())


def test_image_keeps_no_secret_key_in_its_environment():
    baked = [args for kw, args in dockerfile_instructions() if kw in {"ENV", "ARG"}]
    assert not any("SECRET_KEY" in args for args in baked)


def test_image_installs_the_system_packages_make_run_installs():
    script = (ROOT / "scripts/system_deps.sh").read_text()
    wanted = set(re.search(r"^want=\((.*)\)$", script, re.MULTILINE).group(1).split())
    [install] = [step for run in dockerfile_runs() for step in shell_steps(run) if step[:2] == ["apt-get", "install"]]
    installed = {word for word in install[2:] if not word.startswith("-")}
    assert installed == wanted


def test_build_context_leaves_out_secrets_and_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".env", ".venv", ".git", "db.sqlite3", "media", "staticfiles"} <= ignored


# --- .env.example and the production settings ---------------------------------


def test_env_example_offers_every_variable_production_reads():
    read = settings_env_vars()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL", "EMAIL_HOST", "SECURE_SSL_REDIRECT"} <= read
    assert read - IGNORED_BY_PRODUCTION - set(env_example()) == set()


def test_env_example_offers_what_compose_interpolates():
    text = (ROOT / "docker-compose.yml").read_text()
    assert set(re.findall(r"\$\{(\w+)", text)) <= set(env_example())


def test_production_passes_deploy_checks_with_no_warnings():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def production_settings(*names: str) -> dict:
    """The values the production settings give `names`, read by a `manage.py shell` under them."""
    code = "import json; from django.conf import settings as s; "
    code += f"print(json.dumps({{n: getattr(s, n) for n in {names}}}))"
    result = run([sys.executable, "manage.py", "shell", "-c", code], production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_cookies_are_host_only_secure_and_the_session_cookie_is_hidden_from_script():
    values = production_settings(
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "LANGUAGE_COOKIE_NAME", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_DOMAIN",
        "CSRF_COOKIE_DOMAIN", "LANGUAGE_COOKIE_DOMAIN",
    )  # fmt: skip
    assert all(values[f"{kind}_COOKIE_NAME"].startswith("__Host-") for kind in ("SESSION", "CSRF", "LANGUAGE"))
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"]
    assert (values["SESSION_COOKIE_DOMAIN"], values["CSRF_COOKIE_DOMAIN"], values["LANGUAGE_COOKIE_DOMAIN"]) == (
        None, None, None,
    )  # fmt: skip


def test_production_allows_no_demo_data_and_hashes_with_argon2():
    values = production_settings("HARDSHIP", "PASSWORD_HASHERS", "AUTHENTICATION_BACKENDS")
    assert values["HARDSHIP"]["DEMO_DATA"] is False
    assert values["PASSWORD_HASHERS"][0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["AUTHENTICATION_BACKENDS"][0] == "axes.backends.AxesStandaloneBackend"


def test_seed_demo_refuses_to_run_with_production_settings():
    result = run([sys.executable, "manage.py", "seed_demo", "--files", "1"], production_env())
    assert result.returncode != 0
    assert "Demo data is not allowed" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", None),
        ("SECRET_KEY", env_example()["SECRET_KEY"]),
        ("ALLOWED_HOSTS", None),
        ("REDIS_URL", None),
    ],
    ids=["no-secret-key", "env-example-placeholder-key", "no-allowed-hosts", "no-redis-url"],
)
def test_production_refuses_to_start_without_required_setting(variable, value):
    result = run([sys.executable, "manage.py", "check"], production_env(**{variable: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


# --- the image's build steps and CMD, run here --------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def web_healthcheck(port: int) -> list[str]:
    _, program, *args = service("web")["healthcheck"]["test"]
    assert program == "python"
    return [sys.executable, *(arg.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for arg in args)]


def production_env_collecting_into(tmp_path: Path) -> dict[str, str]:
    """Production settings, changed only to collect static files into tmp_path instead of the checkout."""
    (tmp_path / "deploy_check_settings.py").write_text(
        f"from hardship.settings.production import *  # noqa: F403\nSTATIC_ROOT = {str(tmp_path / 'collected')!r}\n"
    )
    return production_env(
        DJANGO_SETTINGS_MODULE="deploy_check_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        WEB_CONCURRENCY="1",
    )


def collectstatic_like_the_image(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The Dockerfile's collectstatic command, with the throwaway values its RUN step exports."""
    export, *steps = run_step_with("collectstatic")
    build_env = dict(assignment.split("=", 1) for assignment in export[1:])
    [collectstatic] = [step for step in steps if "collectstatic" in step]
    assert export[0] == "export"
    assert build_env.pop("DJANGO_SETTINGS_MODULE") == "hardship.settings.production"
    return run([sys.executable, *collectstatic[1:]], {**env, **build_env})


@pytest.fixture(scope="module")
def collected_like_the_image(tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict[str, str], Path]:
    """The image's collectstatic step, run once for the tests below: (result, environment, directory)."""
    directory = tmp_path_factory.mktemp("image")
    env = production_env_collecting_into(directory)
    return collectstatic_like_the_image(env), env, directory


def test_image_collectstatic_step_builds_the_manifest_with_its_throwaway_values(collected_like_the_image):
    result, _, directory = collected_like_the_image
    assert result.returncode == 0, result.stderr
    assert (directory / "collected" / "staticfiles.json").is_file()


@pytest.fixture
def served_like_the_image(collected_like_the_image):
    """gunicorn started with the image's CMD over the collected static files; yields (port, environment)."""
    built, env, directory = collected_like_the_image
    if built.returncode != 0:
        pytest.fail(f"collectstatic failed, so there is nothing to serve:\n{built.stderr}")
    port = free_port()
    cmd = dockerfile_cmd()
    cmd[cmd.index("--bind") + 1] = f"127.0.0.1:{port}"
    log = directory / "gunicorn.log"
    with log.open("w") as log_file:
        gunicorn = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).parent / cmd[0]), *cmd[1:]], cwd=ROOT, env=env, stdout=log_file, stderr=log_file
        )
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            assert gunicorn.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not listen within 30 s"
            time.sleep(0.2)
        yield port, env
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=15)


def test_web_healthcheck_passes_against_gunicorn_running_the_images_cmd(served_like_the_image):
    port, env = served_like_the_image
    result = run(web_healthcheck(port), env, timeout=30)
    assert result.returncode == 0, result.stderr


def test_production_pages_send_hsts_the_policy_and_a_host_only_csrf_cookie(served_like_the_image):
    port, _ = served_like_the_image
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    # Behind the TLS-terminating proxy, as production runs.
    connection.request("GET", "/accounts/login/", headers={"Host": "example.org", "X-Forwarded-Proto": "https"})
    response = connection.getresponse()
    assert response.status == 200, response.read()[:500]
    assert response.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    csp = response.getheader("Content-Security-Policy")
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    [cookie] = [value for name, value in response.getheaders() if name == "Set-Cookie"]
    attributes = [part.strip() for part in cookie.split(";")]
    assert attributes[0].startswith("__Host-csrftoken=")
    assert {"Path=/", "Secure"} <= set(attributes)
    assert not any(part.lower().startswith("domain=") for part in attributes)


def test_web_healthcheck_fails_when_nothing_answers():
    result = run(web_healthcheck(free_port()), production_env(), timeout=30)
    assert result.returncode != 0
    assert "Connection refused" in result.stderr
