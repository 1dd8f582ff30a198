using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SagaDemo.Hosting;
using SagaDemo.Infrastructure.Storage;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

/// <summary>The retention job: what is over goes after its retention, batch by batch, on its own schedule.</summary>
public sealed class RetentionTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task EndedOrders_AreDeletedOnceOlderThanTheRetention_BatchAfterBatch_WhileNewerOnesStay()
    {
        using var system = new SagaSystem(
            orchestratorSettings: new Dictionary<string, string?> { ["Retention:Orders"] = "7.00:00:00", ["Retention:BatchSize"] = "2" },
            orchestratorServices: services => services.AddSingleton<TimeProvider>(clock));
        for (var i = 0; i < 5; i++)
        {
            await system.PlaceAsync(SagaSystem.NewOrder($"old-{i}") with { ForcePaymentFailure = i == 0 });
        }
        clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        await system.PlaceAsync(SagaSystem.NewOrder("young"));
        var job = system.Orders.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single();

        // Advancing the clock also fires the job's own timer; a pass waits for one already running.
        await job.RunPassAsync(CancellationToken.None);
        var deletedEarly = job.Deleted;
        clock.Advance(TimeSpan.FromMinutes(2));
        await job.RunPassAsync(CancellationToken.None);

        deletedEarly.Should().Be(0);
        job.Deleted.Should().Be(5, "five ended orders, deleted two per batch until a batch came back short");
        (await system.Client.GetAsync("/orders/old-0")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await system.Client.GetAsync("/orders/young")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AParticipantsReleasedReservations_AreDeletedOnItsSchedule()
    {
        using var factory = new SagaFactory(ServiceRole.Payment,
            new Dictionary<string, string?> { ["Retention:Reservations"] = "2.00:00:00", ["Retention:Interval"] = "01:00:00" },
            services => services.AddSingleton<TimeProvider>(clock));
        var client = factory.CreateClient();
        (await client.PostAsJsonAsync("/payment/reserve", new { order_id = "p-1", amount = 10 })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/payment/cancel", new { order_id = "p-1" })).EnsureSuccessStatusCode();
        var job = factory.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single();

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromHours(1));
        await job.RunPassAsync(CancellationToken.None);

        job.Deleted.Should().Be(1);
        (await client.GetAsync("/payment/reservations/p-1")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(nameof(RetentionOptions.Orders), "00:10:00")]
    [InlineData(nameof(RetentionOptions.Reservations), "-1.00:00:00")]
    [InlineData(nameof(RetentionOptions.BatchSize), "0")]
    public void ARetentionTooShortToBeSafe_IsRefused(string setting, string value)
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build().Get<RetentionOptions>()!;

        var result = new DataAnnotationValidateOptions<RetentionOptions>(null).Validate(null, options);

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain(setting);
    }
}
