using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SagaDemo.Saga;

namespace SagaDemo.Orders;

/// <summary>How fast one client may place orders (section "RateLimiting"); off unless PermitsPerSecond is set.</summary>
public sealed class RateLimitingOptions
{
    [Range(1, 1_000_000)]
    public int? PermitsPerSecond { get; set; }

    /// <summary>Orders a client may place at once above its rate (the bucket's size); PermitsPerSecond if unset.</summary>
    [Range(1, 1_000_000)]
    public int? Burst { get; set; }

    /// <summary>
    /// The proxies' networks (CIDR, comma-separated, e.g. the Ingress controller's pod network
    /// 10.42.0.0/16): only a request from one of them is counted by its X-Forwarded-For client.
    /// </summary>
    public string? TrustedProxies { get; set; }
}

/// <summary>
/// The limits of POST /orders: per client a token bucket through ASP.NET Core's rate limiter (429
/// with Retry-After; the limiter and the forwarded-headers middleware are added only when it is
/// configured), and for the whole orchestrator the sagas in flight (Saga__MaxInFlight: 503 with
/// Retry-After), an endpoint filter on that one endpoint. Accepted orders are never dropped: a
/// refused one was never started.
/// </summary>
public static class OrderLimits
{
    public const string PerClient = "orders-per-client";

    public static IServiceCollection AddOrderLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration("RateLimiting").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SagasInFlight>();
        var rate = configuration.GetSection("RateLimiting").Get<RateLimitingOptions>() ?? new RateLimitingOptions();
        if (rate.PermitsPerSecond is not { } perSecond)
        {
            return services;
        }

        services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            foreach (var network in (rate.TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerClient, context => RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = rate.Burst ?? perSecond,
                TokensPerPeriod = perSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
            limiter.OnRejected = (rejected, _) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
                return Refuse(rejected.HttpContext, StatusCodes.Status429TooManyRequests, seconds, "Too many orders",
                    $"This client is placing orders faster than allowed; nothing was started. Send it again in {seconds} s.");
            };
        });
        return services;
    }

    /// <summary>The per-client limit's middleware, when it is configured: the client's address first, then the limiter.</summary>
    public static WebApplication UseOrderLimits(this WebApplication app)
    {
        if (IsRateLimited(app.Configuration))
        {
            app.UseForwardedHeaders();
            app.UseRateLimiter();
        }
        return app;
    }

    /// <summary>POST /orders's limits: the sagas in flight always, the per-client rate when configured.</summary>
    public static RouteHandlerBuilder WithOrderLimits(this RouteHandlerBuilder endpoint, IServiceProvider services)
    {
        // The one counter of this orchestrator (a filter given by type would be made anew per request).
        endpoint.AddEndpointFilter(services.GetRequiredService<SagasInFlight>()).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return IsRateLimited(services.GetRequiredService<IConfiguration>())
            ? endpoint.RequireRateLimiting(PerClient).ProducesProblem(StatusCodes.Status429TooManyRequests)
            : endpoint;
    }

    private static bool IsRateLimited(IConfiguration configuration) =>
        configuration.GetSection("RateLimiting").Get<RateLimitingOptions>()?.PermitsPerSecond is not null;

    private static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    internal static ValueTask Refuse(HttpContext context, int status, int retryAfterSeconds, string title, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

/// <summary>Counts the sagas POST /orders is running; beyond Saga__MaxInFlight a new one is refused before it starts.</summary>
public sealed class SagasInFlight(IOptions<SagaOptions> options) : IEndpointFilter
{
    private int running;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Interlocked.Increment(ref running) > options.Value.MaxInFlight)
        {
            Interlocked.Decrement(ref running);
            await OrderLimits.Refuse(context.HttpContext, StatusCodes.Status503ServiceUnavailable, 1, "Too many orders in flight",
                "This orchestrator is running as many sagas as it may; nothing was started. Send it again in 1 s.");
            return Results.Empty;
        }
        try
        {
            return await next(context);
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }
    }
}
