using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>Who may call what: the operator's token on the operator endpoints, the service token on the participants.</summary>
public sealed class SecurityTests
{
    private const string OperatorToken = "operator-secret-for-tests";
    private const string ServiceToken = "service-secret-for-tests";

    public sealed record Call(string Name, string Method, string Path);

    public static TheoryData<Call> OperatorCalls =>
    [
        new("run a reconcile pass", "POST", "/reconcile"),
        new("read the reconciler's totals", "GET", "/reconcile"),
        new("compensate an order again", "POST", "/orders/any-order/compensate"),
    ];

    [Theory]
    [MemberData(nameof(OperatorCalls))]
    public async Task OperatorEndpoint_WithoutTheOperatorToken_Is401ProblemDetails(Call call)
    {
        using var factory = new SagaFactory(ServiceRole.Order, new Dictionary<string, string?> { ["Security:OperatorToken"] = OperatorToken });
        var client = factory.CreateClient();

        foreach (var token in new string?[] { null, "wrong-token", ServiceToken })
        {
            using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            var response = await client.SendAsync(request);

            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, $"{call.Name} with token {token ?? "(none)"}");
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            response.Headers.WwwAuthenticate.ToString().Should().Be("Bearer");
            (await response.ReadJsonAsync())["detail"]!.GetValue<string>().Should().Contain("Security__OperatorToken");
        }
    }

    [Theory]
    [MemberData(nameof(OperatorCalls))]
    public async Task OperatorEndpoint_WithTheOperatorToken_IsServed(Call call)
    {
        using var factory = new SagaFactory(ServiceRole.Order, new Dictionary<string, string?> { ["Security:OperatorToken"] = OperatorToken });
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);

        var response = await factory.CreateClient().SendAsync(request);

        response.StatusCode.Should().NotBe(HttpStatusCode.Unauthorized, call.Name);
        ((int)response.StatusCode).Should().BeLessThan(500, call.Name);
    }

    [Theory]
    [InlineData(ServiceRole.Payment, "/payment/reserve", """{"order_id":"o-1","amount":10}""")]
    [InlineData(ServiceRole.Inventory, "/inventory/cancel", """{"order_id":"o-1"}""")]
    [InlineData(ServiceRole.Delivery, "/delivery/reservations", null)]
    [InlineData(ServiceRole.Inventory, "/inventory/stock/SKU-1", null)]
    public async Task ParticipantEndpoint_AnswersOnlyTheServiceToken_ButHealthIsOpen(ServiceRole role, string path, string? body)
    {
        using var factory = new SagaFactory(role, new Dictionary<string, string?> { ["Security:ServiceToken"] = ServiceToken });
        var client = factory.CreateClient();
        HttpRequestMessage Request(string? token)
        {
            var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, path) { Content = body is null ? null : Json.Body(body) };
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            return request;
        }

        (await client.SendAsync(Request(null))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await client.SendAsync(Request(OperatorToken))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await client.SendAsync(Request(ServiceToken))).StatusCode.Should().Be(HttpStatusCode.OK);
        var health = await client.GetAsync("/health");
        health.StatusCode.Should().Be(HttpStatusCode.OK);
        (await health.ReadJsonAsync())["auth"]!.GetValue<string>().Should().Be("token");
        (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData(ServiceRole.Order)]
    [InlineData(ServiceRole.Payment)]
    public async Task WithoutATokenARoleIsOpen_AndHealthSaysSo(ServiceRole role)
    {
        using var factory = new SagaFactory(role);

        var health = await factory.CreateClient().GetAsync("/health");

        (await health.ReadJsonAsync())["auth"]!.GetValue<string>().Should().Be("open");
    }

    [Theory]
    [InlineData(ServiceRole.Order)]
    [InlineData(ServiceRole.Payment)]
    public void ABearerTokenNeedsNoDataProtection_SoNoRoleMakesAKeyRing(ServiceRole role)
    {
        // A key ring is made (or loaded from ~/.aspnet) at every start-up when data protection is
        // registered: time, and a warning about keys in a container's throwaway home. Tokens need none.
        using var factory = new SagaFactory(role, new Dictionary<string, string?> { ["Security:OperatorToken"] = OperatorToken, ["Security:ServiceToken"] = ServiceToken });

        factory.Services.GetService<Microsoft.AspNetCore.DataProtection.IDataProtectionProvider>().Should().BeNull();
    }

    [Fact]
    public async Task TheOrchestrator_SendsTheServiceToken_OnEveryParticipantCall()
    {
        var token = new Dictionary<string, string?> { ["Security:ServiceToken"] = ServiceToken };
        using var system = new SagaSystem(participantSettings: token, orchestratorSettings: token);

        var placed = await system.Client.PostAsJsonAsync("/orders", SagaSystem.NewOrder("secured-1"), SagaJson.Options);
        var failed = await system.Client.PostAsJsonAsync("/orders", SagaSystem.NewOrder("secured-2") with { ForceDeliveryFailure = true }, SagaJson.Options);
        var view = JsonNode.Parse(await system.Client.GetStringAsync("/orders/secured-2"))!;

        placed.StatusCode.Should().Be(HttpStatusCode.Created);
        failed.StatusCode.Should().Be(HttpStatusCode.Conflict);
        view["steps"]!.AsArray().Select(s => s!.GetValue<string>()).Should().Equal(
            "payment reserved", "inventory reserved", "delivery failed", "inventory cancelled", "payment cancelled");
        view["participants"]!["payment"]!.GetValue<string>().Should().Be("cancelled", "the participants' records are read with the token too");
    }
}
