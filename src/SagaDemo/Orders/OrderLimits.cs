using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
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
/// The limits of POST /orders, through ASP.NET Core's rate limiter: per client a token bucket
/// (429 with Retry-After), and for the whole orchestrator the sagas in flight (Saga__MaxInFlight:
/// 503 with Retry-After). Accepted orders are never dropped: a refused one was never started.
/// </summary>
public static class OrderLimits
{
    public const string PerClient = "orders-per-client";

    public static IServiceCollection AddOrderLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration("RateLimiting").ValidateDataAnnotations().ValidateOnStart();
        var rate = configuration.GetSection("RateLimiting").Get<RateLimitingOptions>() ?? new RateLimitingOptions();
        var maxInFlight = configuration.GetSection("Saga").Get<SagaOptions>()?.MaxInFlight ?? new SagaOptions().MaxInFlight;

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
            // Every POST /orders takes a place among the sagas in flight until its answer is written.
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                IsPlaceOrder(context)
                    ? RateLimitPartition.GetConcurrencyLimiter("in-flight", _ => new ConcurrencyLimiterOptions { PermitLimit = maxInFlight, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("other"));
            limiter.AddPolicy(PerClient, context => rate.PermitsPerSecond is not { } perSecond
                ? RateLimitPartition.GetNoLimiter("off")
                : RateLimitPartition.GetTokenBucketLimiter(ClientOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = rate.Burst ?? perSecond,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    private static bool IsPlaceOrder(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.Path.Equals("/orders", StringComparison.Ordinal);

    private static string ClientOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        // Only the per-client bucket knows when a token comes back; the in-flight bound frees up as sagas end.
        var perClient = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter);
        var seconds = perClient ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        context.Response.StatusCode = perClient ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = context.Response.StatusCode,
                Title = perClient ? "Too many orders" : "Too many orders in flight",
                Detail = perClient
                    ? $"This client is placing orders faster than allowed; nothing was started. Send it again in {seconds} s."
                    : $"This orchestrator is running as many sagas as it may; nothing was started. Send it again in {seconds} s.",
            },
        });
    }
}
