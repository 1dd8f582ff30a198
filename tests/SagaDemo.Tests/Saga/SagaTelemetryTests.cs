using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Saga;

/// <summary>The spans and metrics a saga's driver records, listened to as an OpenTelemetry SDK would.</summary>
public sealed class SagaTelemetryTests : IDisposable
{
    private static readonly SagaBudgets NoDelays = new(1, TimeSpan.Zero, TimeSpan.Zero, 1, TimeSpan.Zero, TimeSpan.Zero);

    private readonly SignallingClock clock = new();
    private readonly string id = $"t-{Guid.NewGuid():N}";
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;
    private readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly SagaTelemetry telemetry;
    private readonly InMemoryLogStore store = new();

    public SagaTelemetryTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SagaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span => spans.Enqueue(span),
        };
        ActivitySource.AddActivityListener(listener);
        telemetry = new SagaTelemetry(services.GetRequiredService<IMeterFactory>());
    }

    public void Dispose()
    {
        listener.Dispose();
        services.Dispose();
    }

    public sealed record Held(string Name, StepCall[] History, string[] Exposed);

    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    private static StepCall Call(string step, SagaAction action, CallOutcome outcome, int answeredAfterMs) =>
        new(step, action, outcome, 1, T0, T0.AddMilliseconds(answeredAfterMs), null);

    public static TheoryData<Held> Exposures =>
    [
        new("confirmed: nothing released", [Call("a", SagaAction.Reserve, CallOutcome.Succeeded, 10)], []),
        new("a reserved then cancelled: held from the reserve's answer to the cancel's",
            [Call("a", SagaAction.Reserve, CallOutcome.Succeeded, 10), Call("b", SagaAction.Reserve, CallOutcome.Failed, 20),
                Call("a", SagaAction.Cancel, CallOutcome.Succeeded, 35)], ["a 25"]),
        new("a refused reserve held nothing",
            [Call("a", SagaAction.Reserve, CallOutcome.Failed, 10), Call("a", SagaAction.Cancel, CallOutcome.Succeeded, 20)], []),
        new("a failed cancel is not the release; the retry that succeeded is",
            [Call("a", SagaAction.Reserve, CallOutcome.Succeeded, 10), Call("a", SagaAction.Cancel, CallOutcome.Unknown, 30),
                Call("a", SagaAction.Cancel, CallOutcome.Succeeded, 60)], ["a 50"]),
        new("a release by the reconciler ends the hold too",
            [Call("a", SagaAction.Reserve, CallOutcome.Succeeded, 10), Call("a", SagaAction.Reconcile, CallOutcome.Succeeded, 1010)], ["a 1000"]),
    ];

    [Theory]
    [MemberData(nameof(Exposures))]
    public void Exposure_IsFromTheReserveAnsweredToTheCancelAnswered(Held held) =>
        SagaTelemetry.Exposures(held.History).Select(e => $"{e.Step} {e.Held.TotalMilliseconds:0}").Should().Equal(held.Exposed, held.Name);

    [Fact]
    public async Task Start_RecordsASagaSpanWithACallSpanPerCall_AndKeepsItsTraceInTheLog()
    {
        var drive = await Driver(Step("a"), Step("b", reserve: StepOutcome.Rejected("no"))).StartAsync(id, CancellationToken.None);

        var saga = Mine().Single(span => span.DisplayName == "saga test");
        saga.GetTagItem("saga.test_id").Should().Be(id);
        saga.GetTagItem("saga.outcome").Should().Be("cancelled");
        Mine().Where(span => span.ParentSpanId == saga.SpanId)
            .Select(span => $"{span.GetTagItem("saga.step")} {span.GetTagItem("saga.action")} {span.GetTagItem("saga.outcome")} {span.GetTagItem("saga.attempts")}")
            .Should().Equal("a reserve succeeded 1", "b reserve failed 1", "a cancel succeeded 1");
        drive.Log.TraceParent.Should().Be(saga.Id, "a later drive links to the trace the saga started in");
    }

    [Fact]
    public async Task Resume_IsASpanOfItsOwn_LinkedToTheTraceTheSagaStartedIn()
    {
        store.Fail = true;
        var interrupted = await Driver(Step("a"), Step("b")).StartAsync(id, CancellationToken.None);
        store.Fail = false;
        var first = Mine().Single(span => span.DisplayName == "saga test");

        await Driver(Step("a"), Step("b")).ResumeAsync(store.Log!, CancellationToken.None);

        var resumed = Mine().Single(span => span.DisplayName == "saga test resumed");
        resumed.TraceId.Should().NotBe(first.TraceId);
        resumed.Links.Select(link => link.Context.TraceId).Should().Equal(first.TraceId);
        resumed.GetTagItem("saga.test_id").Should().Be(id);
        interrupted.Log.TraceParent.Should().Be(first.Id);
    }

    [Fact]
    public async Task WithNoListener_NoSpanIsMadeAndTheLogHasNoTrace()
    {
        listener.Dispose();

        var drive = await Driver(Step("a")).StartAsync(id, CancellationToken.None);

        drive.Log.TraceParent.Should().BeNull();
        drive.Log.Status.Should().Be(SagaStatus.Confirmed);
    }

    private IEnumerable<Activity> Mine() => spans.Where(span => Equals(span.GetTagItem("saga.test_id"), id));

    private SagaDriver<string> Driver(params SagaStep<string>[] steps) =>
        new(new SagaDefinition<string>("test", sagaId => sagaId, steps), store, new SagaLease("test", TimeSpan.FromSeconds(30)), NoDelays, clock,
            NullLogger<SagaDriver<string>>.Instance, telemetry);

    private static SagaStep<string> Step(string name, StepOutcome? reserve = null) => new(name,
        (_, _) => Task.FromResult(reserve ?? StepOutcome.Success()),
        (_, _) => Task.FromResult(StepOutcome.Success()));

    /// <summary>One saga's log; with <see cref="Fail"/> every write after the first is lost (as if another orchestrator took over).</summary>
    private sealed class InMemoryLogStore : ISagaLogStore<string>
    {
        public SagaLog<string>? Log { get; private set; }

        public bool Fail { get; set; }

        public Task<SagaWrite<string>> InsertAsync(SagaLog<string> log, CancellationToken cancellationToken)
        {
            Log = log;
            return Task.FromResult(SagaWrite<string>.Ok(log));
        }

        public Task<SagaWrite<string>> UpdateAsync(SagaLog<string> log, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                return Task.FromResult(SagaWrite<string>.Lost(log));
            }
            Log = log with { Version = log.Version + 1 };
            return Task.FromResult(SagaWrite<string>.Ok(Log));
        }
    }
}
