using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace SagaDemo.Hosting;

/// <summary>
/// The two shared secrets (Security__OperatorToken, Security__ServiceToken). Unset, the endpoints
/// they guard are open: said at start-up and in /health ("auth": "open").
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>An operator's bearer token: POST /orders/{id}/compensate, POST and GET /reconcile.</summary>
    public string? OperatorToken { get; set; }

    /// <summary>The orchestrator's bearer token to the participants: every participant endpoint but /health*.</summary>
    public string? ServiceToken { get; set; }
}

/// <summary>
/// <c>Authorization: Bearer &lt;token&gt;</c> checked against one configured token, through ASP.NET
/// Core's authentication and authorization: a policy per token, a 401 problem+json without it or
/// with a wrong one.
/// </summary>
public static class Security
{
    public const string Operator = "operator";
    public const string Service = "service";

    public static WebApplicationBuilder AddSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SecurityOptions>().BindConfiguration("Security");
        var options = builder.Configuration.GetSection("Security").Get<SecurityOptions>() ?? new SecurityOptions();
        // Authentication's core only: a bearer token needs no cookies, so no data protection (whose
        // key ring AddAuthentication() would load or make at every start-up).
        services.AddAuthenticationCore(authentication =>
        {
            authentication.AddScheme<BearerTokenHandler>(Operator, displayName: null);
            authentication.AddScheme<BearerTokenHandler>(Service, displayName: null);
        });
        services.Configure<TokenOptions>(Operator, o => o.Token = options.OperatorToken);
        services.Configure<TokenOptions>(Service, o => o.Token = options.ServiceToken);
        services.AddWebEncoders();
        services.AddAuthorizationBuilder()
            .AddPolicy(Operator, policy => Require(policy, Operator, options.OperatorToken))
            .AddPolicy(Service, policy => Require(policy, Service, options.ServiceToken));
        return builder;
    }

    /// <summary>
    /// The endpoints need the <paramref name="which"/> token when one is configured. Without one they
    /// are open (said at start-up and in /health) and nothing is checked per request.
    /// </summary>
    public static TBuilder RequireToken<TBuilder>(this TBuilder builder, IEndpointRouteBuilder app, string which)
        where TBuilder : IEndpointConventionBuilder
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<SecurityOptions>>().Value;
        return string.IsNullOrEmpty(which == Operator ? options.OperatorToken : options.ServiceToken) ? builder : builder.RequireAuthorization(which);
    }

    /// <summary>Whether calls that need <paramref name="token"/> are checked ("token") or accepted from anyone ("open").</summary>
    public static string Mode(string? token) => string.IsNullOrEmpty(token) ? "open" : "token";

    private static void Require(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy, string scheme, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            policy.RequireAssertion(_ => true); // no token configured: open, and said so
            return;
        }
        policy.AddAuthenticationSchemes(scheme).RequireAuthenticatedUser();
    }

    /// <summary>Says loudly, once at start-up, which guarded endpoints anyone can call.</summary>
    public static void WarnIfOpen(WebApplication app, ServiceRole role)
    {
        var options = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SagaDemo.Security");
        if (role == ServiceRole.Order && string.IsNullOrEmpty(options.OperatorToken))
        {
            logger.LogWarning("Security__OperatorToken is not set: anyone who reaches this orchestrator can call " +
                "POST /orders/{{id}}/compensate, POST /reconcile and GET /reconcile. Set it (the manifests take it from the Secret saga-tokens).");
        }
        if (role != ServiceRole.Order && string.IsNullOrEmpty(options.ServiceToken))
        {
            logger.LogWarning("Security__ServiceToken is not set: anyone who reaches this participant can reserve and cancel. " +
                "Set it here and on the orchestrator (the manifests take it from the Secret saga-tokens).");
        }
    }
}

public sealed class TokenOptions : AuthenticationSchemeOptions
{
    public string? Token { get; set; }
}

/// <summary>One scheme, one token: a request is authenticated when its bearer token is that token.</summary>
public sealed class BearerTokenHandler(IOptionsMonitor<TokenOptions> options, ILoggerFactory logger, UrlEncoder encoder, IProblemDetailsService problems)
    : AuthenticationHandler<TokenOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (string.IsNullOrEmpty(Options.Token))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var given = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        // Compared in constant time: how long a wrong token takes says nothing about the right one.
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(Options.Token))
            ? AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, Scheme.Name)], Scheme.Name)), Scheme.Name))
            : AuthenticateResult.Fail("The bearer token is not the configured one."));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        var wrong = Request.Headers.Authorization.Count > 0;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = (wrong ? "The bearer token is wrong. " : "This endpoint needs a bearer token. ") + (Scheme.Name == Security.Operator
                    ? "Send Authorization: Bearer <Security__OperatorToken of the orchestrator>."
                    : "Send Authorization: Bearer <Security__ServiceToken>; the orchestrator sends it on every participant call."),
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) => await HandleChallengeAsync(properties);
}
