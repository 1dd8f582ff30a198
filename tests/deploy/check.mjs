// Static checks of the deployment: every manifest against the Kubernetes schemas (unknown fields
// included), and the pieces against each other. Usage: node tests/deploy/check.mjs [COUNTS_FILE]
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as models from "@kubernetes/client-node/dist/gen/models/all.js";
import {
  containerEnv, dockerfile, listenPort, loadManifests, manifestFiles, matches, ofKind, readme, resolveTargetPort, root,
} from "./manifests.mjs";

let passed = 0;
let failed = 0;
function check(name, problems) {
  // A check's conditions read `condition || "what is wrong"`: only the strings are problems.
  const list = [problems].flat().filter(p => typeof p === "string");
  if (list.length === 0) {
    passed++;
    console.log(`  ok    ${name}`);
  } else {
    failed++;
    console.log(`  FAIL  ${name}`);
    for (const p of list) console.log(`          ${p}`);
  }
}
const attempt = fn => { try { return fn(); } catch (e) { return [String(e.message ?? e)]; } };

const docs = loadManifests();
const deployments = ofKind(docs, "Deployment");
const services = ofKind(docs, "Service");
const ingresses = ofKind(docs, "Ingress");
const image = dockerfile();
const docsOf = readme();
const order = deployments.find(d => containerEnv(d, image).ROLE === "order");

// 1. Schemas. kubernetes-models checks types and required fields; the generated models of
// @kubernetes/client-node list every field a type has, which catches misspelt ones.
const modelNames = {
  "v1/Namespace": "V1Namespace", "apps/v1/Deployment": "V1Deployment", "v1/Service": "V1Service",
  "networking.k8s.io/v1/Ingress": "V1Ingress", "networking.k8s.io/v1/NetworkPolicy": "V1NetworkPolicy",
  "v1/PersistentVolumeClaim": "V1PersistentVolumeClaim",
};
function unknownFields(value, type, path, out) {
  if (value === null || value === undefined) return out;
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    if (!Array.isArray(value)) out.push(`${path}: must be a list`);
    else value.forEach((item, i) => unknownFields(item, list[1], `${path}[${i}]`, out));
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [key, item] of Object.entries(value)) unknownFields(item, map[1], `${path}.${key}`, out);
    return out;
  }
  const model = models[type];
  if (!model?.getAttributeTypeMap) return out;
  if (typeof value !== "object" || Array.isArray(value)) return out.concat(`${path}: must be an object (${type})`);
  const fields = new Map(model.getAttributeTypeMap().map(a => [a.baseName, a.type]));
  for (const [key, item] of Object.entries(value)) {
    if (!fields.has(key)) out.push(`${path}.${key}: no such field in ${type}`);
    else unknownFields(item, fields.get(key), `${path}.${key}`, out);
  }
  return out;
}
for (const { file, doc } of docs) {
  const id = `${file}: ${doc.kind}/${doc.metadata?.name}`;
  const key = `${doc.apiVersion}/${doc.kind}`;
  const Model = modelNames[key] && (await import(`kubernetes-models/${key}`))[doc.kind];
  check(`${id} matches its schema`, Model ? attempt(() => { new Model(doc).validate(); }) : `unexpected kind ${key}`);
  check(`${id} has no unknown fields`, modelNames[key] ? unknownFields(doc, modelNames[key], doc.kind, []) : `unexpected kind ${key}`);
  check(`${id} is in namespace saga`, doc.kind === "Namespace" || doc.metadata?.namespace === "saga" ? [] : "metadata.namespace must be saga");
}

// 2. The Dockerfile.
check("Dockerfile is multi-stage: the .NET 10 SDK builds, the ASP.NET 10 runtime runs", [
  image.stages.length >= 2 || "needs a build stage and a runtime stage",
  /dotnet\/sdk:10\.0/.test(image.stages[0]) || "the first stage must be mcr.microsoft.com/dotnet/sdk:10.0",
  /dotnet\/aspnet:10\.0/.test(image.stages.at(-1)) || "the final stage must be mcr.microsoft.com/dotnet/aspnet:10.0",
  /COPY\s+\S*SagaDemo\.csproj[\s\S]*RUN dotnet restore[\s\S]*COPY\s+src\/SagaDemo\/\s[\s\S]*RUN dotnet publish/.test(image.text)
    || "restore the project file on its own layer, then copy the source and publish",
  /-c Release/.test(image.text) || "publish -c Release",
]);
check("Dockerfile runs as the image's non-root user on port 8080, role only from ROLE", [
  image.user === "$APP_UID" || `USER must be $APP_UID, not ${image.user}`,
  image.expose.includes(8080) || "EXPOSE 8080",
  listenPort(image.env) === 8080 || "the app must listen on 8080 (ASPNETCORE_HTTP_PORTS=8080)",
  JSON.stringify(image.entrypoint) === JSON.stringify(["dotnet", "SagaDemo.dll"]) || "ENTRYPOINT [\"dotnet\", \"SagaDemo.dll\"]",
  !("ROLE" in image.env) || "the image must not fix a ROLE",
  new RegExp(`chown\\s+"?\\$APP_UID"?\\S*\\s+${image.workdir}/data`).test(image.text) || `${image.workdir}/data must belong to $APP_UID (the SQLite file is written there)`,
]);

check("the image runs with the runtime settings the scripts use (scripts/runtime.env)", (() => {
  const declared = readFileSync(join(root, "scripts", "runtime.env"), "utf8").split("\n").filter(l => /^[A-Za-z_]\w*=/.test(l));
  return declared.length === 0 ? "scripts/runtime.env declares nothing"
    : declared.map(line => { const [k, v] = line.split("="); return image.env[k] === v || `the Dockerfile needs ENV ${line}`; });
})());

// 3. The pieces agree with each other.
check("there is one Deployment per role", ["order", "payment", "inventory", "delivery"]
  .filter(role => !deployments.some(d => containerEnv(d, image).ROLE === role)).map(r => `no Deployment with ROLE=${r}`));
// Every role keeps its state on a claimed volume (its SQLite file); apart from env, pods are alike.
const specWithoutEnv = d => JSON.stringify({
  ...d.spec.template.spec,
  containers: d.spec.template.spec.containers.map(c => ({ ...c, env: undefined })),
});
check("every role keeps its SQLite file on a claimed volume of its own at /app/data, one replica, Recreate", deployments.flatMap(d => {
  const pod = d.spec.template.spec;
  const name = d.metadata.name;
  const env = containerEnv(d, image);
  const claim = pod.volumes?.find(v => v.name === "data")?.persistentVolumeClaim?.claimName;
  const sqlite = (env.Storage__Provider ?? (env.ROLE === "order" ? "sqlite" : "memory")) === "sqlite";
  return [
    sqlite || `${name}: Storage__Provider must be sqlite (memory forgets every reservation when the pod restarts)`,
    !!claim || `${name}: needs a volume 'data' from a PersistentVolumeClaim`,
    ofKind(docs, "PersistentVolumeClaim").some(c => c.metadata.name === claim) || `${name}: no PersistentVolumeClaim named ${claim}`,
    deployments.filter(other => other.spec.template.spec.volumes?.some(v => v.persistentVolumeClaim?.claimName === claim)).length === 1
      || `${name}: its claim ${claim} is shared with another Deployment`,
    pod.containers[0].volumeMounts?.some(m => m.name === "data" && m.mountPath === `${image.workdir}/data`) || `${name}: mount it at ${image.workdir}/data`,
    !sqlite || (d.spec.replicas ?? 1) === 1 || `${name}: SQLite allows one replica`,
    !sqlite || d.spec.strategy?.type === "Recreate" || `${name}: SQLite needs strategy Recreate`,
  ];
}));
check("every role takes its tokens from the Secret saga-tokens (no value committed, no pod without it)", [
  ...deployments.flatMap(d => {
    const env = d.spec.template.spec.containers[0].env ?? [];
    const role = containerEnv(d, image).ROLE;
    const wanted = role === "order" ? ["Security__OperatorToken", "Security__ServiceToken"] : ["Security__ServiceToken"];
    return wanted.map(name => {
      const ref = env.find(e => e.name === name)?.valueFrom?.secretKeyRef;
      return (ref?.name === "saga-tokens" && !ref.optional) || `${d.metadata.name}: ${name} must come from the Secret saga-tokens (not optional)`;
    });
  }),
  ...ofKind(docs, "Secret").map(secret => `k8s/ holds a Secret (${secret.metadata.name}): tokens are made with kubectl, never committed`),
]);
check("the orchestrator limits POST /orders per client behind the Ingress", (() => {
  const env = order ? containerEnv(order, image) : {};
  return [
    Number(env.RateLimiting__PermitsPerSecond) > 0 || "RateLimiting__PermitsPerSecond must be set on the orchestrator",
    !!env.RateLimiting__TrustedProxies || "RateLimiting__TrustedProxies must name the Ingress controller's network",
  ];
})());
check("all Deployments run the same image and differ only in env", deployments.flatMap(d => {
  const c = d.spec.template.spec.containers[0];
  return [
    c.image === "saga-demo:latest" || `${d.metadata.name}: image must be saga-demo:latest, not ${c.image}`,
    c.imagePullPolicy === "IfNotPresent" || `${d.metadata.name}: imagePullPolicy must be IfNotPresent (an imported image is not pulled)`,
    specWithoutEnv(d).replaceAll(d.metadata.name, "ROLE") === specWithoutEnv(deployments[0]).replaceAll(deployments[0].metadata.name, "ROLE")
      || `${d.metadata.name}: its pod spec differs from ${deployments[0].metadata.name}'s beyond env`,
  ];
}));
check("every container is locked down and sized", deployments.flatMap(d => {
  const pod = d.spec.template.spec;
  return pod.containers.flatMap(c => {
    const sc = c.securityContext ?? {};
    const name = `${d.metadata.name}/${c.name}`;
    return [
      (sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) === true || `${name}: runAsNonRoot`,
      sc.allowPrivilegeEscalation === false || `${name}: allowPrivilegeEscalation: false`,
      (sc.capabilities?.drop ?? []).includes("ALL") || `${name}: drop ALL capabilities`,
      sc.readOnlyRootFilesystem === true || `${name}: readOnlyRootFilesystem`,
      (c.volumeMounts ?? []).some(m => m.mountPath === "/tmp") || `${name}: a writable /tmp`,
      !!(c.resources?.requests?.cpu && c.resources?.requests?.memory) || `${name}: CPU and memory requests`,
      !!(c.resources?.limits?.cpu && c.resources?.limits?.memory) || `${name}: CPU and memory limits`,
      !!(c.readinessProbe?.httpGet && c.livenessProbe?.httpGet) || `${name}: HTTP readiness and liveness probes`,
    ];
  });
}));
check("every probe targets the port the app listens on", deployments.flatMap(d => {
  const pod = d.spec.template.spec;
  const port = listenPort(containerEnv(d, image));
  return [pod.containers[0].readinessProbe, pod.containers[0].livenessProbe].filter(Boolean).map(probe => {
    const target = resolveTargetPort({ targetPort: probe.httpGet.port }, pod);
    return target === port || `${d.metadata.name}: probe port ${probe.httpGet.port} is ${target}, the app listens on ${port}`;
  });
}));
check("every Service selects exactly one Deployment's pods", services.map(s => {
  const selected = deployments.filter(d => matches(s.spec.selector, d.spec.template.metadata.labels));
  return selected.length === 1 || `Service ${s.metadata.name} selects ${selected.length} Deployments`;
}));
check("every Service is ClusterIP and its targetPort is a declared container port the app listens on", services.flatMap(s => {
  const d = deployments.find(dep => matches(s.spec.selector, dep.spec.template.metadata.labels));
  if (!d) return [`Service ${s.metadata.name} selects nothing`];
  return [
    (s.spec.type ?? "ClusterIP") === "ClusterIP" || `Service ${s.metadata.name} must be ClusterIP`,
    ...s.spec.ports.map(p => {
      const target = resolveTargetPort(p, d.spec.template.spec);
      const listening = listenPort(containerEnv(d, image));
      return target === undefined ? `Service ${s.metadata.name}: targetPort ${p.targetPort} is not declared by ${d.metadata.name}'s container`
        : target === listening || `Service ${s.metadata.name}: targetPort ${p.targetPort} is ${target}, the app listens on ${listening}`;
    }),
  ];
}));
check("every participant URL of the orchestrator names an existing Service and port", ["PAYMENT_URL", "INVENTORY_URL", "DELIVERY_URL"].map(name => {
  const value = order && containerEnv(order, image)[name];
  if (!value) return `${name} is not set on the orchestrator`;
  const url = new URL(value);
  const [host, ns] = url.hostname.split(".");
  const service = services.find(s => s.metadata.name === host && (!ns || ns === s.metadata.namespace));
  const port = Number(url.port || 80);
  return !service ? `${name}=${value}: no Service named ${host}`
    : service.spec.ports.some(p => p.port === port) || `${name}=${value}: Service ${host} has no port ${port}`;
}));
check("the Ingress serves arch.homework through traefik, only the orchestrator's paths", ingresses.flatMap(ing => [
  ing.spec.ingressClassName === "traefik" || "ingressClassName must be traefik",
  ...ing.spec.rules.flatMap(rule => [
    rule.host === "arch.homework" || `host ${rule.host} should be arch.homework`,
    ...rule.http.paths.flatMap(p => {
      const service = services.find(s => s.metadata.name === p.backend.service.name);
      return [
        !!service || `backend ${p.backend.service.name} is not a Service`,
        !service || service.spec.ports.some(sp => sp.port === p.backend.service.port.number || sp.name === p.backend.service.port.name)
          || `backend ${p.backend.service.name}: no such port`,
        p.backend.service.name === "order" || `${p.path} must go to the orchestrator, not ${p.backend.service.name}`,
        ["/orders", "/health", "/dashboard", "/swagger"].includes(p.path) || `${p.path} is not one of /orders, /health, /dashboard, /swagger`,
        !"/metrics".startsWith(p.path) || `${p.path} would publish /metrics`,
      ];
    }),
  ]),
]));
check("the README builds and imports the image the manifests run", [
  docsOf.builtImages.length > 0 || "the README has no 'docker build -t IMAGE' command",
  docsOf.importedImages.length > 0 || "the README has no 'k3d image import IMAGE' command",
  ...[...docsOf.builtImages, ...docsOf.importedImages].map(i => i === "saga-demo:latest" || `the README uses ${i}; the manifests run saga-demo:latest`),
]);
check("the README applies every manifest, the namespace first", [
  docsOf.applied[0] === "k8s/namespace.yaml" || "apply k8s/namespace.yaml first",
  ...manifestFiles.map(f => docsOf.applied.includes(`k8s/${f}`) || `the README never applies k8s/${f}`),
]);

console.log(`==> Static deployment checks: ${passed} passed, ${failed} failed`);
if (process.argv[2]) writeFileSync(process.argv[2], `${passed} ${failed}\n`);
process.exit(failed === 0 ? 0 : 1);
