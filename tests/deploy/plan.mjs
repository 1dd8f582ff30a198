// Turns the manifests into a plan for the cluster rehearsal (rehearse.sh): one pod per Deployment,
// each a container of the image with what its manifest says (env, user, security context, limits,
// volumes), its address and probes, the Service names it resolves, the NetworkPolicies as packet
// filter rules in its network namespace, and the Ingress as an nginx server.
// Usage: node tests/deploy/plan.mjs OUT_DIR RUN_ID IMAGE_USER
//   RUN_ID prefixes the named volumes; IMAGE_USER is the image's configured user (podman image inspect).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerEnv, dockerfile, loadManifests, matches, ofKind, resolveTargetPort } from "./manifests.mjs";

const [out, runId, imageUser] = process.argv.slice(2);
if (!out || !runId || imageUser === undefined) throw new Error("usage: node tests/deploy/plan.mjs OUT_DIR RUN_ID IMAGE_USER");
mkdirSync(out, { recursive: true });

const docs = loadManifests();
const deployments = ofKind(docs, "Deployment");
const services = ofKind(docs, "Service");
const image = dockerfile();
const subnet = "10.213.0";
const ingressAddress = `${subnet}.2`;
const clientAddress = `${subnet}.3`;

// Pods: one per Deployment (a rehearsal runs one replica of each), addresses from .10 on.
const pods = deployments.map((d, i) => ({
  name: d.metadata.name,
  namespace: d.metadata.namespace,
  labels: d.spec.template.metadata.labels ?? {},
  ip: `${subnet}.${10 + i}`,
  deployment: d,
}));
// The Ingress controller is a pod too for the policies (k3d's Traefik: namespace kube-system).
const ingressPod = { name: "ingress", namespace: "kube-system", labels: { "app.kubernetes.io/name": "traefik" }, ip: ingressAddress };
const namespaceLabels = name => ({
  "kubernetes.io/metadata.name": name,
  ...ofKind(docs, "Namespace").find(n => n.metadata.name === name)?.metadata.labels,
});

// Service names resolve to the pod the Service selects (the rehearsal has no kube-proxy), so a
// Service's port must be the port the pod listens on.
const hosts = services.map(s => {
  const pod = pods.find(p => matches(s.spec.selector, p.labels));
  if (!pod) throw new Error(`Service ${s.metadata.name} selects no Deployment`);
  for (const port of s.spec.ports) {
    const target = resolveTargetPort(port, pod.deployment.spec.template.spec);
    if (target !== port.port) throw new Error(`Service ${s.metadata.name}: port ${port.port} -> ${target}; the rehearsal needs port == targetPort`);
  }
  const name = s.metadata.name;
  const ns = s.metadata.namespace;
  return { ip: pod.ip, names: [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`] };
});
writeFileSync(join(out, "hosts"), hosts.map(h => `${h.ip} ${h.names.join(" ")}\n`).join(""));
writeFileSync(join(out, "pods"), pods.map(p => `${p.name} ${p.ip}\n`).join(""));
writeFileSync(join(out, "addresses"), `ingress ${ingressAddress}\nclient ${clientAddress}\n`);

// Kubernetes quantities: memory in bytes, CPU in cores.
function bytes(quantity) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!m) throw new Error(`cannot read the quantity ${quantity}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2]] ?? 1;
  return Math.round(Number(m[1]) * unit);
}
const cores = quantity => String(quantity).endsWith("m") ? Number(String(quantity).slice(0, -1)) / 1000 : Number(quantity);

// The Secrets the cluster would hold (the rehearsal makes them: SAGA_REHEARSAL_SECRETS, JSON
// {"secret": {"key": "value"}}). A variable from a Secret or key that does not exist stops the pod,
// as the kubelet does (CreateContainerConfigError), unless the reference is optional.
const secrets = JSON.parse(process.env.SAGA_REHEARSAL_SECRETS || "{}");
function fromSecret(pod, name, valueFrom) {
  const ref = valueFrom.secretKeyRef;
  if (!ref) throw new Error(`${pod.name}: env ${name} uses a valueFrom other than secretKeyRef, which the rehearsal cannot provide`);
  const value = secrets[ref.name]?.[ref.key];
  if (value === undefined && !ref.optional) {
    throw new Error(`${pod.name}: env ${name} needs key ${ref.key} of Secret ${ref.name}, which does not exist: the pod would not start`);
  }
  return value ?? "";
}

// The arguments of `podman run` that make a container what its manifest says.
function runArguments(pod) {
  const spec = pod.deployment.spec.template.spec;
  if (spec.containers.length !== 1) throw new Error(`${pod.name}: the rehearsal runs one container per pod`);
  const container = spec.containers[0];
  const security = { ...spec.securityContext, ...container.securityContext };
  const args = [];

  for (const { name, value, valueFrom } of container.env ?? []) {
    args.push("--env", `${name}=${valueFrom ? fromSecret(pod, name, valueFrom) : value ?? ""}`);
  }
  for (const h of hosts) for (const name of h.names) args.push("--add-host", `${name}:${h.ip}`);

  // The user: runAsUser, else the image's. The kubelet refuses runAsNonRoot with a user it cannot
  // prove is not root (uid 0, or a name instead of a number).
  const user = security.runAsUser ?? imageUser.split(":")[0];
  if (security.runAsNonRoot && !/^[1-9]\d*$/.test(String(user))) {
    writeFileSync(join(out, `${pod.name}.refused`),
      `container has runAsNonRoot and the image's user is ${user === "" ? "root (none set)" : `'${user}'`}, which is not a non-zero numeric uid\n`);
  }
  args.push("--user", `${user || 0}${security.runAsGroup !== undefined ? `:${security.runAsGroup}` : ""}`);
  if (security.fsGroup !== undefined) args.push("--group-add", String(security.fsGroup));
  // podman's --read-only adds writable tmpfs mounts of its own; a pod gets none.
  if (security.readOnlyRootFilesystem) args.push("--read-only", "--read-only-tmpfs=false");
  if (security.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
  for (const cap of security.capabilities?.drop ?? []) args.push("--cap-drop", cap);
  for (const cap of security.capabilities?.add ?? []) args.push("--cap-add", cap);
  // Without a profile a pod runs unconfined; RuntimeDefault is the runtime's default profile (podman's).
  const seccomp = security.seccompProfile?.type ?? "Unconfined";
  if (seccomp === "Unconfined") args.push("--security-opt", "seccomp=unconfined");
  else if (seccomp !== "RuntimeDefault") throw new Error(`${pod.name}: seccomp profile ${seccomp} is not rehearsed`);

  const limits = container.resources?.limits ?? {};
  if (limits.memory) args.push("--memory", String(bytes(limits.memory)));
  if (limits.cpu) args.push("--cpus", String(cores(limits.cpu)));

  // Volumes: a claim is a named volume that outlives the container; an emptyDir a tmpfs of its sizeLimit.
  for (const mount of container.volumeMounts ?? []) {
    const volume = spec.volumes?.find(v => v.name === mount.name);
    if (!volume) throw new Error(`${pod.name}: volumeMount ${mount.name} has no volume`);
    if (mount.subPath) throw new Error(`${pod.name}: subPath is not rehearsed`);
    const mode = mount.readOnly ? ":ro" : "";
    if (volume.persistentVolumeClaim) {
      const claim = volume.persistentVolumeClaim.claimName;
      if (!ofKind(docs, "PersistentVolumeClaim").some(c => c.metadata.name === claim)) throw new Error(`${pod.name}: no PersistentVolumeClaim ${claim}`);
      args.push("--volume", `${runId}-${claim}:${mount.mountPath}${mode}`);
    } else if (volume.emptyDir) {
      const size = volume.emptyDir.sizeLimit ? `,size=${bytes(volume.emptyDir.sizeLimit)}` : "";
      args.push("--tmpfs", `${mount.mountPath}:${mount.readOnly ? "ro" : "rw"},mode=1777${size}`);
    } else {
      throw new Error(`${pod.name}: volume ${mount.name} is neither a claim nor an emptyDir`);
    }
  }

  if (container.imagePullPolicy !== "IfNotPresent" && container.imagePullPolicy !== "Never") {
    throw new Error(`${pod.name}: imagePullPolicy must be IfNotPresent or Never (no registry serves the image)`);
  }
  if (container.command) args.push("--entrypoint", JSON.stringify(container.command));
  args.push("--pull=never", container.image, ...container.args ?? []);
  return args;
}

// Label selectors as Kubernetes reads them: matchLabels and matchExpressions; {} selects everything.
function selects(selector, labels) {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case "In": return key in labels && values.includes(labels[key]);
      case "NotIn": return !(key in labels) || !values.includes(labels[key]);
      case "Exists": return key in labels;
      case "DoesNotExist": return !(key in labels);
      default: throw new Error(`unknown selector operator ${operator}`);
    }
  });
  return byLabels && byExpressions;
}

// The addresses a NetworkPolicy peer stands for; [null] means any address.
function peerAddresses(peer, policyNamespace) {
  if (peer.ipBlock) {
    if (peer.ipBlock.except?.length) throw new Error("ipBlock.except is not rehearsed");
    return [peer.ipBlock.cidr];
  }
  const inNamespace = p => peer.namespaceSelector ? selects(peer.namespaceSelector, namespaceLabels(p.namespace)) : p.namespace === policyNamespace;
  return [...pods, ingressPod].filter(p => inNamespace(p) && selects(peer.podSelector ?? {}, p.labels)).map(p => p.ip);
}

// A pod's NetworkPolicies as iptables rules in its own network namespace: once a policy of a type
// selects the pod, only what some policy allows passes in that direction; replies pass; traffic
// from the pod to itself and the kubelet's probes (made here inside the pod's namespace) are never
// filtered, as in a cluster.
function firewall(pod) {
  const policies = ofKind(docs, "NetworkPolicy")
    .filter(p => p.metadata.namespace === pod.namespace && selects(p.spec.podSelector, pod.labels));
  const types = p => p.spec.policyTypes ?? ["Ingress", ...(p.spec.egress ? ["Egress"] : [])];
  const spec = pod.deployment.spec.template.spec;
  const lines = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"];
  for (const [type, chain, rulesOf, peersOf, address, iface] of [
    ["Ingress", "INPUT", p => p.spec.ingress, r => r.from, "-s", "-i"],
    ["Egress", "OUTPUT", p => p.spec.egress, r => r.to, "-d", "-o"],
  ]) {
    const selecting = policies.filter(p => types(p).includes(type));
    if (selecting.length === 0) continue;
    lines.push(`-A ${chain} ${iface} lo -j ACCEPT`, `-A ${chain} -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`);
    for (const rule of selecting.flatMap(p => (rulesOf(p) ?? []).map(r => ({ r, ns: p.metadata.namespace })))) {
      const addresses = peersOf(rule.r)?.length ? peersOf(rule.r).flatMap(peer => peerAddresses(peer, rule.ns)) : [null];
      const ports = rule.r.ports?.length ? rule.r.ports.map(p => {
        const number = typeof p.port === "string" ? resolveTargetPort({ targetPort: p.port }, spec) : p.port;
        if (p.port !== undefined && number === undefined) throw new Error(`${pod.name}: the policy's port ${p.port} is not a port of the pod`);
        return { protocol: (p.protocol ?? "TCP").toLowerCase(), port: number };
      }) : [null];
      for (const a of addresses) {
        for (const p of ports) {
          const match = [a && `${address} ${a}`, p && `-p ${p.protocol}`, p?.port && `--dport ${p.port}`].filter(Boolean).join(" ");
          lines.push(`-A ${chain} ${match} -j ACCEPT`.replace(/ +/g, " "));
        }
      }
    }
    lines.push(`-A ${chain} -p tcp -j REJECT --reject-with tcp-reset`, `-A ${chain} -j DROP`);
  }
  lines.push("COMMIT");
  return `${lines.join("\n")}\n`;
}

for (const pod of pods) {
  const spec = pod.deployment.spec.template.spec;
  const container = spec.containers[0];
  writeFileSync(join(out, `${pod.name}.run`), runArguments(pod).map(a => `${a}\0`).join(""));
  writeFileSync(join(out, `${pod.name}.env`), Object.entries(containerEnv(pod.deployment, image)).map(([k, v]) => `${k}=${v}\0`).join(""));
  writeFileSync(join(out, `${pod.name}.firewall`), firewall(pod));
  // Probes: KIND PATH PORT TIMEOUT_SECONDS (named ports resolved).
  const probes = [["readiness", container.readinessProbe], ["liveness", container.livenessProbe], ["startup", container.startupProbe]]
    .filter(([, probe]) => probe).map(([kind, probe]) => {
      if (!probe.httpGet) throw new Error(`${pod.name}: the ${kind} probe is not httpGet, which the rehearsal cannot run`);
      const port = resolveTargetPort({ targetPort: probe.httpGet.port }, spec);
      if (port === undefined) throw new Error(`${pod.name}: the ${kind} probe's port ${probe.httpGet.port} is not a port of the container`);
      return `${kind} ${probe.httpGet.path} ${port} ${probe.timeoutSeconds ?? 1}\n`;
    });
  writeFileSync(join(out, `${pod.name}.probes`), probes.join(""));
  const limits = container.resources?.limits ?? {};
  writeFileSync(join(out, `${pod.name}.limits`), `cpu ${limits.cpu ?? "none"}, memory ${limits.memory ?? "none"}\n`);
}

// The Ingress as nginx: Exact is `location =`, Prefix matches the path and anything below it.
const servers = ofKind(docs, "Ingress").flatMap(ing => ing.spec.rules.map(rule => {
  const locations = rule.http.paths.flatMap(p => {
    const backend = p.backend.service;
    const service = services.find(s => s.metadata.name === backend.name);
    const port = backend.port.number ?? service.spec.ports.find(sp => sp.name === backend.port.name).port;
    const pass = `proxy_pass http://${backend.name}:${port}; proxy_set_header Host $host;`;
    const path = p.path.replace(/\/$/, "");
    return p.pathType === "Exact" ? [`location = ${p.path} { ${pass} }`]
      : [`location = ${path || "/"} { ${pass} }`, `location ${path}/ { ${pass} }`];
  });
  return `  server {\n    listen ${ingressAddress}:80;\n    server_name ${rule.host};\n    ${locations.join("\n    ")}\n    location / { return 404; }\n  }\n`;
}));
writeFileSync(join(out, "ingress.conf"), servers.join(""));
