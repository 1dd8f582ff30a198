// Reads what the deployment is made of: the Kubernetes manifests, the Dockerfile and the README's
// commands. Shared by the static checks (check.mjs) and the cluster rehearsal (plan.mjs).
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const manifestFiles = readdirSync(join(root, "k8s")).filter(f => f.endsWith(".yaml")).sort();

/** Every document of every k8s/*.yaml, with the file it came from. */
export function loadManifests() {
  return manifestFiles.flatMap(file =>
    loadAll(readFileSync(join(root, "k8s", file), "utf8")).filter(Boolean).map(doc => ({ file, doc })));
}

export const ofKind = (docs, kind) => docs.filter(d => d.doc.kind === kind).map(d => d.doc);

/** The facts of the Dockerfile's final stage that decide how the app starts. */
export function dockerfile() {
  const text = readFileSync(join(root, "Dockerfile"), "utf8");
  const lines = text.split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#"));
  const stages = lines.filter(l => /^FROM\s/i.test(l));
  const finalStart = lines.lastIndexOf(stages.at(-1));
  const final = lines.slice(finalStart);
  const env = {};
  for (const line of final.filter(l => /^ENV\s/i.test(l))) {
    for (const [, key, value] of line.slice(4).matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[key] = value.replace(/^"|"$/g, "");
  }
  const entrypoint = final.find(l => /^ENTRYPOINT\s/i.test(l));
  return {
    text,
    stages,
    env,
    user: final.find(l => /^USER\s/i.test(l))?.slice(5).trim(),
    workdir: final.find(l => /^WORKDIR\s/i.test(l))?.slice(8).trim(),
    expose: final.filter(l => /^EXPOSE\s/i.test(l)).flatMap(l => l.slice(7).trim().split(/\s+/)).map(Number),
    entrypoint: entrypoint ? JSON.parse(entrypoint.slice(11)) : undefined,
  };
}

/** The README's image name in `docker build -t` and `k3d image import`, and its kubectl apply list. */
export function readme() {
  const text = readFileSync(join(root, "README.md"), "utf8");
  return {
    builtImages: [...text.matchAll(/docker build -t (\S+)/g)].map(m => m[1]),
    importedImages: [...text.matchAll(/k3d image import (\S+)/g)].map(m => m[1]),
    applied: [...text.matchAll(/kubectl apply -f (k8s\/\S+\.yaml)/g)].map(m => m[1]),
  };
}

/** The environment a Deployment's container runs with: the image's ENV, then the manifest's env. */
export function containerEnv(deployment, image = dockerfile()) {
  const env = { ...image.env };
  // A value from a Secret is named, never known here: secret:NAME/KEY.
  for (const { name, value, valueFrom } of deployment.spec.template.spec.containers[0].env ?? []) {
    env[name] = valueFrom?.secretKeyRef ? `secret:${valueFrom.secretKeyRef.name}/${valueFrom.secretKeyRef.key}` : value ?? "";
  }
  return env;
}

/** The port the app listens on in that container (ASP.NET Core: ASPNETCORE_URLS, else ASPNETCORE_HTTP_PORTS). */
export function listenPort(env) {
  const urls = env.ASPNETCORE_URLS;
  if (urls) return Number(new URL(urls.split(";")[0].replace("+", "0.0.0.0").replace("*", "0.0.0.0")).port || 80);
  return Number((env.ASPNETCORE_HTTP_PORTS ?? "80").split(/[;,]/)[0]);
}

/** Resolves a Service's targetPort (a number or a container port's name) against a pod template. */
export function resolveTargetPort(servicePort, podSpec) {
  const target = servicePort.targetPort ?? servicePort.port;
  const ports = podSpec.containers.flatMap(c => c.ports ?? []);
  return typeof target === "number" ? ports.find(p => p.containerPort === target)?.containerPort : ports.find(p => p.name === target)?.containerPort;
}

export const matches = (selector, labels) =>
  Object.entries(selector ?? {}).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
