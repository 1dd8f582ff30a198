using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SagaDemo.Contracts;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Orders;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

public sealed class HostingTests
{
    [Theory]
    [InlineData(ServiceRole.Order)]
    [InlineData(ServiceRole.Payment)]
    [InlineData(ServiceRole.Inventory)]
    [InlineData(ServiceRole.Delivery)]
    public async Task Health_AnswersOkWithTheRole(ServiceRole role)
    {
        using var factory = new SagaFactory(role);

        var response = await factory.CreateClient().GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await response.ReadJsonAsync();
        body["status"]!.GetValue<string>().Should().Be("ok");
        body["role"]!.GetValue<string>().Should().Be(role.RouteName());
    }

    [Fact]
    public async Task Health_OfTheOrchestrator_ReportsTheOrderStore()
    {
        using var factory = new SagaFactory(ServiceRole.Order);

        var body = await (await factory.CreateClient().GetAsync("/health")).ReadJsonAsync();

        body["checks"]!["order_store"]!.GetValue<string>().Should().Be("healthy");
    }

    [Fact]
    public async Task Health_WithTheOrderStoreDown_Is503ButStillLive()
    {
        using var factory = new SagaFactory(ServiceRole.Order, services: s => s.AddSingleton<IOrderStore, StoreThatCannotBeReached>());
        var client = factory.CreateClient();

        var ready = await client.GetAsync("/health");
        var live = await client.GetAsync("/health/live");

        ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        var body = await ready.ReadJsonAsync();
        body["status"]!.GetValue<string>().Should().Be("unhealthy");
        body["checks"]!["order_store"]!.GetValue<string>().Should().Be("unhealthy", "why is for the log, not for a public answer");
        body.ToJsonString().Should().NotContain("connection refused").And.NotContain("cannot be reached");
        live.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ADatabaseErrorInTheMiddleOfAQuery_Is503WithoutItsText()
    {
        var broken = new Microsoft.Data.Sqlite.SqliteException("disk I/O error reading /var/lib/saga/orders.db page 17", 10);
        using var factory = new SagaFactory(ServiceRole.Order, services: s => s.AddSingleton<IOrderStore>(new StoreFailingMidQuery(broken)));

        var response = await factory.CreateClient().GetAsync("/orders?status=confirmed");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().Contain("retry shortly").And.NotContain("/var/lib").And.NotContain("disk I/O");
    }

    /// <summary>A store whose listing fails after the connection opened (the database breaks mid-query).</summary>
    private sealed class StoreFailingMidQuery(Exception failure) : IOrderStore
    {
        private readonly InMemoryOrderStore inner = new();

        public string Description => "order store";

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) => throw failure;

        public Task<SagaWrite<OrderDetails>> InsertAsync(Order order, CancellationToken cancellationToken) => inner.InsertAsync(order, cancellationToken);

        public Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken) => inner.UpdateAsync(order, cancellationToken);

        public Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken) => inner.FindAsync(orderId, cancellationToken);

        public Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken) => inner.CreatedAtAsync(cancellationToken);

        public Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken) => throw failure;

        public Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken) => throw failure;

        public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Order>>([]);
    }

    /// <summary>A store whose database is gone: it answers nothing.</summary>
    private sealed class StoreThatCannotBeReached : IOrderStore
    {
        public string Description => "order store";

        public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task PingAsync(CancellationToken cancellationToken) => throw Down;

        public Task<int> DeleteExpiredAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken) => throw Down;

        public Task<SagaWrite<OrderDetails>> InsertAsync(Order order, CancellationToken cancellationToken) => throw Down;

        public Task<SagaWrite<OrderDetails>> UpdateAsync(Order order, CancellationToken cancellationToken) => throw Down;

        public Task<Order?> FindAsync(string orderId, CancellationToken cancellationToken) => throw Down;

        public Task<IReadOnlyList<Order>> ListAsync(SagaStatus? status, int limit, CancellationToken cancellationToken) => throw Down;

        public Task<IReadOnlyDictionary<SagaStatus, long>> CountByStatusAsync(CancellationToken cancellationToken) => throw Down;

        public Task<DateTimeOffset> CreatedAtAsync(CancellationToken cancellationToken) => throw Down;

        public Task<IReadOnlyList<Order>> ListRecoverableAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Order>>([]);

        private static StoreUnavailableException Down => new("The order store (test) cannot be reached: connection refused");
    }

    [Theory]
    [InlineData(ServiceRole.Order, new[] { "/orders", "/orders/{orderId}", "/orders/{orderId}/compensate", "/reconcile", "/dashboard/counts" })]
    [InlineData(ServiceRole.Payment, new[] { "/payment/reserve", "/payment/cancel", "/payment/reservations/{orderId}", "/payment/reservations" })]
    [InlineData(ServiceRole.Inventory, new[] { "/inventory/reserve", "/inventory/cancel", "/inventory/reservations/{orderId}", "/inventory/reservations", "/inventory/stock/{sku}" })]
    [InlineData(ServiceRole.Delivery, new[] { "/delivery/reserve", "/delivery/cancel", "/delivery/reservations/{orderId}", "/delivery/reservations", "/delivery/slots/{slot}" })]
    public async Task Swagger_DescribesOnlyTheRolesOwnEndpoints(ServiceRole role, string[] paths)
    {
        using var factory = new SagaFactory(role);

        var document = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

        document["paths"]!.AsObject().Select(p => p.Key).Should().BeEquivalentTo(paths);
        (await factory.CreateClient().GetAsync("/swagger/index.html")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Swagger_ShowsSnakeCaseSchemasAndTheProblemStatusCodes()
    {
        using var factory = new SagaFactory(ServiceRole.Order);

        var document = JsonNode.Parse(await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json"))!;

        document["components"]!["schemas"]!["OrderRequest"]!["properties"]!.AsObject().Select(p => p.Key)
            .Should().Contain(["order_id", "force_payment_failure"]);
        document["components"]!["schemas"]!["SagaStatus"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>())
            .Should().Equal("pending", "confirmed", "compensating", "cancelled", "compensation_failed");
        document["paths"]!["/orders"]!["post"]!["responses"]!.AsObject().Select(r => r.Key)
            .Should().Contain(["201", "400", "409", "422", "502", "504"]);
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("")]
    [InlineData("1")]
    public void ServiceRoles_RejectsAnythingButTheFourNames(string value)
    {
        ServiceRoles.TryParse(value, out _).Should().BeFalse();
        ServiceRoles.InvalidRoleMessage(value).Should().Contain("order, payment, inventory, delivery");
    }

    [Theory]
    [InlineData("ORDER", ServiceRole.Order)]
    [InlineData("Payment", ServiceRole.Payment)]
    [InlineData(" inventory ", ServiceRole.Inventory)]
    public void ServiceRoles_ParsesCaseInsensitively(string value, ServiceRole expected)
    {
        ServiceRoles.TryParse(value, out var role).Should().BeTrue();
        role.Should().Be(expected);
    }
}
