"""Validates the deployment files without Docker or Kubernetes (issue 7).

* deploy/docker-compose.yml and deploy/k8s/*.yaml are well-formed YAML;
* every process they start runs a real `realtime` subcommand with real flags and
  REALTIME_* variables (read from `realtime <sub> --help` of REALTIME_BIN);
* ports agree between compose, the HAProxy config and the Kubernetes manifests;
* the local cluster (`scripts/cluster plan`) is the compose topology: same
  services, same configuration keys for every realtime process;
* the HAProxy config passes `haproxy -c` in both its local and its compose form,
  and the image's entrypoint derives the node id and address as documented.

Run: .venv/bin/python -m pytest -q Tests/deploy   (REALTIME_BIN defaults to .build/debug/realtime)
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
HAPROXY = DEPLOY / "haproxy.cfg"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
CLUSTER = ROOT / "scripts" / "cluster"

SERVICES = {"redis", "coordinator", "edge", "lb"}
REALTIME_SERVICES = {"coordinator", "edge"}
# Set by deploy/docker-entrypoint.sh for `edge` (from the container), not by the files.
ENTRYPOINT_ENV = {"REALTIME_NODE_ID", "REALTIME_ADVERTISE"}
ENGINE_PING = 25 + 20  # seconds: default Engine.IO ping interval + timeout


# --------------------------------------------------------------------------- the binary's CLI


def realtime_bin() -> Path:
    env = os.environ.get("REALTIME_BIN")
    p = Path(env) if env else ROOT / ".build" / "debug" / "realtime"
    return p if p.is_absolute() else ROOT / p


@lru_cache(maxsize=None)
def help_text(*args: str) -> str:
    b = realtime_bin()
    if not (b.exists() and os.access(b, os.X_OK)):
        pytest.fail(f"realtime binary not found at {b} (swift build, or set REALTIME_BIN)", pytrace=False)
    p = subprocess.run([str(b), *args, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"realtime {' '.join(args)} --help exited {p.returncode}: {p.stderr}"
    return p.stdout


@lru_cache(maxsize=None)
def subcommands() -> frozenset:
    text = help_text()
    section = text.split("SUBCOMMANDS:", 1)[1]
    return frozenset(re.findall(r"^  ([a-z][a-z-]*)\s", section, re.M))


@lru_cache(maxsize=None)
def options(sub: str) -> dict[str, str | None]:
    """flag name (with --) -> its REALTIME_* variable (from the help text), or None."""
    text = help_text(sub)
    section = text.split("OPTIONS:", 1)[1]
    out: dict[str, str | None] = {}
    current = None
    for line in section.splitlines():
        m = re.match(r"^  (--[a-z][a-z-]*)", line)
        if m:
            current = m.group(1)
            out[current] = None
            line = line[m.end():]
        if current:
            env = re.search(r"\((REALTIME_[A-Z_]+)", line)
            if env and out[current] is None:
                out[current] = env.group(1)
    out.pop("--help", None)
    return out


def env_to_flag(sub: str) -> dict[str, str]:
    return {env: flag for flag, env in options(sub).items() if env}


def config_keys(sub: str, argv: list[str], env: dict | list | None, what: str) -> set[str]:
    """The configuration a realtime process gets: its flags plus the flags its
    REALTIME_* variables stand for. Fails on an unknown subcommand, flag or variable."""
    assert sub in subcommands(), f"{what}: `{sub}` is not a realtime subcommand ({sorted(subcommands())})"
    known = options(sub)
    keys = set()
    for a in argv:
        if a.startswith("--"):
            flag = a.split("=", 1)[0]
            assert flag in known, f"{what}: realtime {sub} has no flag {flag} (has {sorted(known)})"
            keys.add(flag)
    names = set(env) if isinstance(env, dict) else {e["name"] for e in (env or [])}
    mapping = env_to_flag(sub)
    for name in names:
        if not name.startswith("REALTIME_"):
            continue
        if sub == "edge" and name in ENTRYPOINT_ENV:
            keys.add(next(f for f, e in known.items() if e == name))
            continue
        assert name in mapping, f"{what}: realtime {sub} reads no variable {name} (reads {sorted(mapping)})"
        keys.add(mapping[name])
    return keys


def flag_value(argv: list[str], flag: str) -> str | None:
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


# --------------------------------------------------------------------------- the files


@lru_cache(maxsize=None)
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@lru_cache(maxsize=None)
def k8s_docs() -> tuple:
    docs = []
    for f in sorted(K8S.glob("*.yaml")):
        for d in yaml.safe_load_all(f.read_text()):
            if d:
                docs.append((f.name, d))
    return tuple(docs)


def k8s(kind: str, name: str) -> dict:
    found = [d for _, d in k8s_docs() if d.get("kind") == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name} in deploy/k8s, found {len(found)}"
    return found[0]


def container(workload: dict) -> dict:
    cs = workload["spec"]["template"]["spec"]["containers"]
    assert len(cs) == 1, f"{workload['metadata']['name']}: expected one container"
    return cs[0]


def compose_env(svc: dict) -> dict:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return env


def haproxy_text() -> str:
    return HAPROXY.read_text()


@lru_cache(maxsize=None)
def local_plan() -> dict[str, tuple[dict, list[str]]]:
    """scripts/cluster plan: name -> (env, argv)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
    p = subprocess.run([str(CLUSTER), "plan"], capture_output=True, text=True, timeout=30, env=env, cwd=ROOT)
    assert p.returncode == 0, f"scripts/cluster plan exited {p.returncode}: {p.stderr}"
    plan = {}
    for line in p.stdout.splitlines():
        name, cmd = line.split("\t", 1)
        words = shlex.split(cmd)
        penv = {}
        while words and re.match(r"^[A-Z_][A-Z0-9_]*=", words[0]):
            k, v = words.pop(0).split("=", 1)
            penv[k] = v
        plan[name] = (penv, words)
    return plan


def local_kind(name: str) -> str:
    return "edge" if re.fullmatch(r"edge\d+", name) else name


def port_of(url: str) -> int:
    m = re.search(r":(\d+)(/|$)", url)
    assert m, f"no port in {url}"
    return int(m.group(1))


# --------------------------------------------------------------------------- well-formed


def test_compose_and_manifests_are_well_formed_yaml():
    assert isinstance(compose(), dict) and isinstance(compose().get("services"), dict)
    assert k8s_docs(), "no manifests in deploy/k8s"
    for f, d in k8s_docs():
        assert isinstance(d, dict), f"{f}: a document is not a mapping"
        if d.get("kind") == "Kustomization":
            for r in d["resources"]:
                assert (K8S / r).exists(), f"kustomization lists {r}, which does not exist"
            continue
        assert d.get("apiVersion") and d.get("kind"), f"{f}: a document without apiVersion/kind"
        assert d.get("metadata", {}).get("name"), f"{f}: {d['kind']} without metadata.name"


def test_kustomization_lists_every_manifest():
    kz = [d for f, d in k8s_docs() if d.get("kind") == "Kustomization"]
    assert len(kz) == 1, "deploy/k8s needs one kustomization.yaml"
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kz[0]["resources"]) == files, f"kustomization resources {kz[0]['resources']} != files {sorted(files)}"


# --------------------------------------------------------------------------- compose


def test_compose_services_and_health_checks():
    # The cluster itself; the optional monitoring profile (Prometheus, Grafana) is checked
    # in test_operator_files.py.
    svcs = {k: v for k, v in compose()["services"].items() if "monitoring" not in v.get("profiles", [])}
    assert set(svcs) == SERVICES, f"compose services {sorted(svcs)}, expected {sorted(SERVICES)}"
    for name, svc in svcs.items():
        hc = svc.get("healthcheck")
        assert hc and hc.get("test") and not hc.get("disable"), f"compose service {name} has no health check"
    edge = svcs["edge"]
    assert not edge.get("ports"), "edges must not publish host ports (--scale edge=N would clash)"
    assert not edge.get("container_name") and not edge.get("hostname"), \
        "a fixed container_name/hostname on edge breaks --scale"
    assert edge.get("deploy", {}).get("replicas", 1) >= 2
    grace = str(edge.get("stop_grace_period", "10s"))
    assert grace.endswith("s") and int(grace[:-1]) >= 20, f"edge stop_grace_period {grace} leaves no time to drain"
    for name in REALTIME_SERVICES:
        b = svcs[name].get("build") or {}
        assert b.get("dockerfile") == "deploy/Dockerfile" and (COMPOSE.parent / b.get("context", ".")).resolve() == ROOT, \
            f"{name} must build deploy/Dockerfile with the repository root as context"
        assert svcs[name]["image"] == svcs["edge"]["image"]


def test_compose_commands_are_real_subcommands_and_flags():
    svcs = compose()["services"]
    for name in REALTIME_SERVICES:
        cmd = svcs[name]["command"]
        assert isinstance(cmd, list) and cmd, f"{name}: command must be an exec-form list"
        config_keys(cmd[0], cmd[1:], compose_env(svcs[name]), f"compose {name}")
    assert svcs["edge"]["command"][0] == "edge" and svcs["coordinator"]["command"][0] == "coordinator"


def test_compose_ports_and_addresses_agree_with_the_load_balancer():
    svcs = compose()["services"]
    edge_cmd, coord_cmd = svcs["edge"]["command"], svcs["coordinator"]["command"]
    edge_port = int(flag_value(edge_cmd, "--port"))
    lb = svcs["lb"]
    lb_env = compose_env(lb)
    # The LB finds the edges by their service name, on the edges' port.
    assert lb_env["EDGE_DNS_NAME"] == "edge"
    assert int(lb_env.get("EDGE_PORT", 8080)) == edge_port
    # It uses deploy/haproxy.cfg as is.
    mounts = [v.split(":") for v in lb["volumes"]]
    assert any((COMPOSE.parent / src).resolve() == HAPROXY and dst.endswith("haproxy.cfg") for src, dst, *_ in mounts), \
        f"lb must mount deploy/haproxy.cfg: {lb['volumes']}"
    # Published client port == the port HAProxy binds.
    bind_port = int(lb_env["LB_BIND"].rsplit(":", 1)[1])
    published = {int(p.split(":")[-1]): p for p in lb["ports"]}
    assert bind_port in published and published[bind_port].split(":")[-2] == "8080", \
        f"lb publishes {lb['ports']}, binds {lb_env['LB_BIND']}: the client endpoint must be host port 8080"
    stats_port = int(lb_env["LB_STATS_BIND"].rsplit(":", 1)[1])
    assert stats_port in published
    assert str(stats_port) in " ".join(lb["healthcheck"]["test"]), "lb health check must probe the stats listener"
    # Edges trust X-Forwarded-For from the LB's fixed address.
    lb_ip = lb["networks"]["realtime"]["ipv4_address"]
    assert flag_value(edge_cmd, "--trusted-proxy") == lb_ip
    # Everyone talks to the redis service on the port it listens on.
    redis_port = int(flag_value(svcs["redis"]["command"], "--port"))
    for cmd in (edge_cmd, coord_cmd):
        url = flag_value(cmd, "--redis")
        assert url.startswith("redis://redis:") and port_of(url) == redis_port, f"--redis {url} vs redis port {redis_port}"
    # Health checks probe the ports the processes listen on.
    assert f"127.0.0.1:{edge_port}/health/ready" in " ".join(svcs["edge"]["healthcheck"]["test"])
    coord_port = int(flag_value(coord_cmd, "--port"))
    assert f"127.0.0.1:{coord_port}/health/ready" in " ".join(svcs["coordinator"]["healthcheck"]["test"])
    assert any(p.endswith(f":{coord_port}") for p in svcs["coordinator"]["ports"])
    # Listening on all interfaces inside the container (the default is loopback).
    assert flag_value(edge_cmd, "--host") == "0.0.0.0" and flag_value(coord_cmd, "--host") == "0.0.0.0"


def test_compose_settings_file_is_mounted_where_the_edge_reads_it():
    edge = compose()["services"]["edge"]
    path = flag_value(edge["command"], "--settings")
    assert any(v.split(":")[1] == path for v in edge.get("volumes", [])), f"--settings {path} is not mounted"
    assert (DEPLOY / "settings.json").exists()


# --------------------------------------------------------------------------- HAProxy


def test_haproxy_config_has_what_websockets_and_draining_need():
    cfg = haproxy_text()
    for directive in ("balance leastconn", "option httpchk", "uri /health/ready", "http-check expect status 200",
                      "option forwardfor", "timeout tunnel", "option redispatch", "retry-on"):
        assert directive in cfg, f"deploy/haproxy.cfg lacks `{directive}`"
    # Edges upgrade on any request of a kept-alive connection: no reuse workaround.
    for workaround in ("http-reuse never", "option http-server-close"):
        assert workaround not in cfg, f"deploy/haproxy.cfg still has `{workaround}`"
    tunnel = re.search(r"timeout tunnel (\d+)([smh])", cfg)
    secs = int(tunnel.group(1)) * {"s": 1, "m": 60, "h": 3600}[tunnel.group(2)]
    assert secs > ENGINE_PING, f"timeout tunnel {secs}s must exceed the ping interval + timeout ({ENGINE_PING}s)"
    for t in ("client", "server"):
        m = re.search(rf"timeout {t} (\d+)s", cfg)
        assert m and int(m.group(1)) > ENGINE_PING, f"timeout {t} must exceed {ENGINE_PING}s"
    # scripts/cluster appends server lines: the edges backend must be the last section.
    headers = [l for l in cfg.splitlines() if re.match(r"^(global|defaults|frontend|backend|listen|resolvers)\b", l)]
    assert headers[-1].strip() == "backend edges", \
        f"the last section is `{headers[-1]}`: scripts/cluster appends server lines to `backend edges`"
    # Defaults match compose's edge port.
    m = re.search(r'"\$\{EDGE_PORT-(\d+)\}"', cfg)
    assert m and int(m.group(1)) == int(flag_value(compose()["services"]["edge"]["command"], "--port"))


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed (scripts/cluster up installs it)")
@pytest.mark.parametrize("mode", ["local", "compose"])
def test_haproxy_accepts_the_config(mode, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LB_", "EDGE_"))}
    cfg = tmp_path / "haproxy.cfg"
    text = haproxy_text()
    if mode == "local":
        text += "    server edge1 127.0.0.1:8101\n    server edge2 127.0.0.1:8102\n"
        env.update(LB_BIND="127.0.0.1:8080", LB_STATS_BIND="127.0.0.1:8404", LB_ADMIN_SOCKET=str(tmp_path / "s"))
    else:
        env.update({k: str(v) for k, v in compose_env(compose()["services"]["lb"]).items()})
    cfg.write_text(text)
    p = subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True, text=True, env=env, timeout=30)
    assert p.returncode == 0, f"haproxy -c ({mode}): {p.stdout}\n{p.stderr}"


# --------------------------------------------------------------------------- local == compose


def test_local_cluster_has_the_compose_topology():
    plan = local_plan()
    kinds = {local_kind(n) for n in plan}
    # Not the optional monitoring profile: scripts/cluster runs no Prometheus.
    cluster = {k for k, v in compose()["services"].items() if "monitoring" not in v.get("profiles", [])}
    assert kinds == cluster, f"scripts/cluster starts {sorted(kinds)}, compose has {sorted(cluster)}"
    edges = [n for n in plan if local_kind(n) == "edge"]
    assert len(edges) == 3, f"scripts/cluster starts {len(edges)} edges by default, expected 3"
    assert compose()["services"]["edge"]["deploy"]["replicas"] == len(edges)


@pytest.mark.parametrize("kind", sorted(REALTIME_SERVICES))
def test_local_and_compose_give_realtime_processes_the_same_configuration(kind):
    plan = local_plan()
    svc = compose()["services"][kind]
    want = config_keys(svc["command"][0], svc["command"][1:], compose_env(svc), f"compose {kind}")
    if kind == "edge":
        want |= {"--node-id", "--advertise"}  # from the entrypoint
    # Deployments log JSON for their collectors; a local cluster logs text for people.
    want -= {"--log-format"}
    for name, (penv, argv) in plan.items():
        if local_kind(name) != kind:
            continue
        assert Path(argv[0]).name == "realtime", f"{name}: runs {argv[0]}"
        assert argv[1] == svc["command"][0], f"{name}: subcommand {argv[1]} vs compose {svc['command'][0]}"
        got = config_keys(argv[1], argv[2:], penv, f"scripts/cluster {name}")
        assert got == want, f"{name}: scripts/cluster gives {sorted(got)}, compose gives {sorted(want)}"


def test_local_and_compose_run_redis_and_the_load_balancer_alike():
    plan = local_plan()
    local_redis = plan["redis"][1]
    compose_redis = compose()["services"]["redis"]["command"]
    for words in (["--save", ""], ["--appendonly", "no"]):
        for argv, what in ((local_redis, "scripts/cluster"), (compose_redis, "compose")):
            i = argv.index(words[0])
            assert argv[i:i + 2] == words, f"{what} redis lacks {words}: {argv}"
    lb_env, lb_argv = plan["lb"]
    assert lb_argv[0] == "haproxy" and Path(lb_argv[lb_argv.index("-f") + 1]).resolve() == HAPROXY
    assert set(lb_env) >= {"LB_BIND", "LB_STATS_BIND"}
    assert set(compose_env(compose()["services"]["lb"])) >= {"LB_BIND", "LB_STATS_BIND", "EDGE_DNS_NAME"}
    # Local processes stay on loopback.
    for name, (penv, argv) in plan.items():
        for flag in ("--host", "--bind"):
            v = flag_value(argv, flag)
            assert v in (None, "127.0.0.1"), f"scripts/cluster {name}: {flag} {v}, must be loopback"
        for k in ("LB_BIND", "LB_STATS_BIND"):
            if k in penv:
                assert penv[k].startswith("127.0.0.1:"), f"scripts/cluster {name}: {k}={penv[k]}"
    for name, (penv, argv) in plan.items():
        if local_kind(name) == "edge":
            assert flag_value(argv, "--trusted-proxy") == "127.0.0.1"


# --------------------------------------------------------------------------- Kubernetes


def test_k8s_workloads_run_real_commands_with_the_compose_configuration():
    svcs = compose()["services"]
    for kind in sorted(REALTIME_SERVICES):
        c = container(k8s("Deployment", kind))
        argv = c.get("args") or c.get("command")
        got = config_keys(argv[0], argv[1:], c.get("env"), f"k8s {kind}")
        want = config_keys(svcs[kind]["command"][0], svcs[kind]["command"][1:], compose_env(svcs[kind]),
                           f"compose {kind}")
        if kind == "edge":
            got |= {"--node-id", "--advertise"}
            want |= {"--node-id", "--advertise"}
            envs = {e["name"] for e in c["env"]}
            assert "POD_IP" in envs, "the entrypoint advertises $POD_IP: set it from status.podIP"
        assert argv[0] == svcs[kind]["command"][0]
        assert got == want, f"k8s {kind} gives {sorted(got)}, compose gives {sorted(want)}"


def test_k8s_ports_agree():
    svcs = compose()["services"]
    for kind in sorted(REALTIME_SERVICES):
        dep, svc = k8s("Deployment", kind), k8s("Service", kind)
        c = container(dep)
        argv = c["args"]
        port = int(flag_value(argv, "--port"))
        assert port == int(flag_value(svcs[kind]["command"], "--port")), f"{kind}: port differs from compose"
        named = {p["name"]: p["containerPort"] for p in c["ports"]}
        assert port in named.values(), f"k8s {kind} containerPort {named} != --port {port}"
        sp = svc["spec"]["ports"][0]
        target = named.get(sp["targetPort"], sp["targetPort"])
        assert target == port and sp["port"] == port, f"k8s Service {kind} {sp} vs --port {port}"
        assert svc["spec"]["selector"].items() <= dep["spec"]["template"]["metadata"]["labels"].items(), \
            f"Service {kind} selects no pod of its Deployment"
        assert dep["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["template"]["metadata"]["labels"].items()
        # Liveness never depends on Redis (SPEC §5): a Redis outage must not restart pods.
        for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
            hg = c[probe]["httpGet"]
            assert hg["path"] == path and named.get(hg["port"], hg["port"]) == port, f"{kind} {probe}: {hg}"
        redis_url = flag_value(argv, "--redis")
        redis_svc = k8s("Service", "redis")
        # The password comes from the Secret through $(REDIS_PASSWORD), never the manifest.
        assert redis_url.startswith("redis://:$(REDIS_PASSWORD)@redis:"), redis_url
        assert port_of(redis_url) == redis_svc["spec"]["ports"][0]["port"]
        assert any(e["name"] == "REDIS_PASSWORD" and e["valueFrom"]["secretKeyRef"]["key"] == "redis-password"
                   for e in c["env"]), f"{kind}: REDIS_PASSWORD from the Secret"
    redis = container(k8s("StatefulSet", "redis"))
    assert int(flag_value(redis["args"], "--port")) == redis["ports"][0]["containerPort"] == \
        int(flag_value(svcs["redis"]["command"], "--port"))


def test_k8s_edge_drains_and_scales():
    dep = k8s("Deployment", "edge")
    pod = dep["spec"]["template"]["spec"]
    c = container(dep)
    pre = c["lifecycle"]["preStop"]["exec"]["command"]
    assert pre[0] == "sleep" and int(pre[1]) >= 2, f"preStop {pre}: sleep until the ingress stops routing here"
    assert pod["terminationGracePeriodSeconds"] >= int(pre[1]) + 20, \
        "terminationGracePeriodSeconds must cover the preStop sleep plus the drain"
    assert c["readinessProbe"]["failureThreshold"] == 1, "readiness must fail at the first 503 (draining)"
    live = c["livenessProbe"]
    assert live["periodSeconds"] * live["failureThreshold"] >= 60, \
        "liveness must tolerate a long pause (GC-free, but a busy node can answer slowly)"
    assert dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert c["resources"]["requests"]["cpu"], "the HPA needs a CPU request"
    hpa = k8s("HorizontalPodAutoscaler", "edge")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "edge"}
    assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])
    assert hpa["spec"]["minReplicas"] >= 2
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    assert str(Path(flag_value(c["args"], "--settings")).parent) in mounts


def test_k8s_ingress_routes_websockets_and_the_api_to_the_edges():
    ing = k8s("Ingress", "realtime")
    ann = ing["metadata"]["annotations"]
    for key in ("nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout"):
        assert int(ann[key]) > ENGINE_PING, f"{key} must exceed the ping interval + timeout"
    assert "http_503" in ann["nginx.ingress.kubernetes.io/proxy-next-upstream"]
    edge_svc = k8s("Service", "edge")
    paths = {}
    for rule in ing["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            paths[p["path"]] = p["backend"]["service"]
    assert set(paths) >= {"/realtime", "/socket.io", "/api/v1"}, f"ingress paths {sorted(paths)}"
    for path, backend in paths.items():
        assert backend["name"] == "edge" and backend["port"]["number"] == edge_svc["spec"]["ports"][0]["port"], \
            f"ingress {path} -> {backend}"


def test_k8s_images_are_the_compose_image():
    image = compose()["services"]["edge"]["image"]
    for kind in sorted(REALTIME_SERVICES):
        assert container(k8s("Deployment", kind))["image"] == image


# --------------------------------------------------------------------------- image


def test_dockerfile_builds_on_swift_and_runs_slim_with_hiredis():
    text = DOCKERFILE.read_text()
    froms = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I)
    assert len(froms) >= 2, "a multi-stage build"
    args = dict(re.findall(r"^ARG\s+([A-Z_]+)=(\S+)", text, re.M))
    resolve = lambda ref: re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), ref)  # noqa: E731
    assert resolve(froms[0][0]).startswith("swift:"), f"build stage {froms[0]}"
    assert resolve(froms[-1][0]).startswith("debian:bookworm-slim"), f"runtime stage {froms[-1]}"
    stages = re.split(r"^FROM\s", text, flags=re.M)
    build, runtime = stages[1], stages[-1]
    assert "libhiredis-dev" in build and "libhiredis0.14" in runtime
    assert "--static-swift-stdlib" in build, "the runtime stage has no Swift runtime: link it statically"
    assert re.search(r'ENTRYPOINT \["docker-entrypoint.sh"\]', runtime)
    # Every COPY source exists (the build context is the repository root).
    for src in re.findall(r"^COPY\s+(?!--from)(.+)\s+\S+$", text, re.M):
        for s in src.split():
            if "[" in s:  # optional file (glob)
                continue
            assert (ROOT / s).exists(), f"Dockerfile copies {s}, which does not exist"
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert ".build" in ignore and ".git" in ignore


def test_entrypoint_derives_node_id_and_address_from_the_container(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "realtime").write_text('#!/bin/sh\necho "ARGS=$*"\necho "NODE=$REALTIME_NODE_ID"\n'
                                   'echo "ADV=$REALTIME_ADVERTISE"\n')
    (fake / "realtime").chmod(0o755)
    base = {"PATH": f"{fake}:/usr/bin:/bin"}

    def run(args, **env):
        p = subprocess.run(["sh", str(ENTRYPOINT), *args], capture_output=True, text=True,
                           env={**base, **env}, timeout=10)
        assert p.returncode == 0, p.stderr
        return dict(l.split("=", 1) for l in p.stdout.splitlines())

    host = subprocess.run(["hostname"], capture_output=True, text=True).stdout.strip()
    a = run(compose()["services"]["edge"]["command"])
    b = run(compose()["services"]["edge"]["command"])
    assert re.fullmatch(re.escape(host) + r"-[0-9a-f]{6}", a["NODE"]), a
    assert a["NODE"] != b["NODE"], "every start must get a fresh node id"
    assert re.fullmatch(r"http://[^/:]+:8080", a["ADV"]), a
    assert a["ARGS"] == " ".join(compose()["services"]["edge"]["command"])
    k = run(["edge", "--port=9000"], POD_IP="10.1.2.3")
    assert k["ADV"] == "http://10.1.2.3:9000"
    kept = run(["edge"], REALTIME_NODE_ID="mine", REALTIME_ADVERTISE="http://x:1")
    assert kept["NODE"] == "mine" and kept["ADV"] == "http://x:1"
    coord = run(compose()["services"]["coordinator"]["command"])
    assert coord["NODE"] == "" and coord["ADV"] == "", "only edges get a derived node id"
