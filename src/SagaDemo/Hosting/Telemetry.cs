using System.Diagnostics;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SagaDemo.Hosting;

/// <summary>
/// OpenTelemetry for every role, configured by the standard OTEL_* variables:
/// <list type="bullet">
/// <item>metrics always, scraped at GET /metrics (Prometheus text), and sent over OTLP when an endpoint is set;</item>
/// <item>traces only when an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or ..._TRACES_ENDPOINT): the
/// saga's spans, the participants' server spans and the HTTP client's, one trace per saga across the
/// four processes (W3C traceparent on every participant call). With no endpoint nothing is recorded.</item>
/// <item>the service is OTEL_SERVICE_NAME, by default saga-demo-&lt;role&gt;; log lines inside a span carry
/// its trace_id and span_id.</item>
/// </list>
/// </summary>
public static class Telemetry
{
    /// <summary>Every ActivitySource and Meter of ours is named SagaDemo.something (Saga/SagaTelemetry, Participants/ParticipantTelemetry).</summary>
    private const string Ours = "SagaDemo.*";

    private static bool ExportsOtlp(IConfiguration configuration, string signal) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
        || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]);

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder, ServiceRole role)
    {
        var configuration = builder.Configuration;
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, is read by the SDK itself and wins.
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService($"saga-demo-{role.RouteName()}");
                }
            })
            .WithMetrics(metrics =>
            {
                // The runtime's own meter too: memory, GC, thread pool, CPU (dotnet_process_memory_working_set_bytes, ...).
                metrics.AddMeter(Ours, "System.Runtime").AddPrometheusExporter();
                if (ExportsOtlp(configuration, "METRICS"))
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (ExportsOtlp(configuration, "TRACES"))
        {
            otel.WithTracing(tracing => tracing
                .AddSource(Ours)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsPlumbing(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
            // Lines logged inside a span carry its ids (trace_id, span_id), so logs and traces join.
            builder.Services.AddSingleton<IExternalScopeProvider, TraceScopeProvider>();
        }
        return builder;
    }

    /// <summary>GET /metrics on every role (not published by the Ingress).</summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint();
        return app;
    }

    // Probes and scrapes are not part of any saga's story.
    private static bool IsPlumbing(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/dashboard");
}

/// <summary>
/// The logging scopes, with the current span's trace_id and span_id as the innermost-first scope of
/// every line written inside one (the console's JSON shows them under "Scopes").
/// </summary>
public sealed class TraceScopeProvider : IExternalScopeProvider
{
    private readonly LoggerExternalScopeProvider scopes = new();

    public void ForEachScope<TState>(Action<object?, TState> callback, TState state)
    {
        if (Activity.Current is { } span)
        {
            callback(new TraceIds(span.TraceId.ToHexString(), span.SpanId.ToHexString()), state);
        }
        scopes.ForEachScope(callback, state);
    }

    public IDisposable Push(object? state) => scopes.Push(state);

    private sealed class TraceIds(string traceId, string spanId) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("trace_id", traceId),
            1 => new("span_id", spanId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
            yield return this[1];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"trace_id:{traceId} span_id:{spanId}";
    }
}
