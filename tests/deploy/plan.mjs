// Turns the manifests into a plan for the cluster rehearsal (rehearse.sh): which pods to start
// with which env, their probes, the Service names and the Ingress as an nginx server.
// Usage: node tests/deploy/plan.mjs OUT_DIR
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { containerEnv, dockerfile, listenPort, loadManifests, matches, ofKind, resolveTargetPort } from "./manifests.mjs";

const out = process.argv[2];
if (!out) throw new Error("usage: node tests/deploy/plan.mjs OUT_DIR");
mkdirSync(out, { recursive: true });

const docs = loadManifests();
const deployments = ofKind(docs, "Deployment");
const services = ofKind(docs, "Service");
const image = dockerfile();

writeFileSync(join(out, "entrypoint"), `${image.entrypoint.join(" ")}\n`);

// Pods: one per Deployment (a rehearsal runs one replica of each).
writeFileSync(join(out, "pods"), deployments.map(d => `${d.metadata.name} ${listenPort(containerEnv(d, image))}\n`).join(""));
for (const d of deployments) {
  const env = containerEnv(d, image);
  writeFileSync(join(out, `${d.metadata.name}.env`), Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(""));
  const pod = d.spec.template.spec;
  const probes = ["readinessProbe", "livenessProbe"].map(kind => pod.containers[0][kind]).filter(p => p?.httpGet)
    .map(p => `${p === pod.containers[0].readinessProbe ? "readiness" : "liveness"} ${p.httpGet.path} ${resolveTargetPort({ targetPort: p.httpGet.port }, pod)}\n`);
  writeFileSync(join(out, `${d.metadata.name}.probes`), probes.join(""));
  // Volumes mounted inside the app's folder (the orchestrator's data/): the rehearsal makes them writable folders.
  const mounts = (pod.containers[0].volumeMounts ?? []).map(m => m.mountPath)
    .filter(path => path.startsWith(`${image.workdir}/`)).map(path => `${path.slice(image.workdir.length + 1)}\n`);
  writeFileSync(join(out, `${d.metadata.name}.mounts`), mounts.join(""));
}

// Services: name -> the Deployment whose pod it selects. The rehearsal resolves a Service name to
// that pod's address, so the Service port must be the port the pod listens on.
const lines = services.map(s => {
  const d = deployments.find(dep => matches(s.spec.selector, dep.spec.template.metadata.labels));
  if (!d) throw new Error(`Service ${s.metadata.name} selects no Deployment`);
  for (const p of s.spec.ports) {
    const target = resolveTargetPort(p, d.spec.template.spec);
    if (target !== p.port) throw new Error(`Service ${s.metadata.name}: port ${p.port} -> ${target}; the rehearsal needs port == targetPort`);
  }
  return `${s.metadata.name} ${d.metadata.name} ${s.metadata.namespace}\n`;
});
writeFileSync(join(out, "services"), lines.join(""));

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
  return `  server {\n    listen INGRESS_ADDR:80;\n    server_name ${rule.host};\n    ${locations.join("\n    ")}\n    location / { return 404; }\n  }\n`;
}));
writeFileSync(join(out, "ingress.conf"), servers.join(""));
