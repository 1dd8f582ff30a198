using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using SagaDemo.Saga;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests.Saga;

/// <summary>
/// The driver runs whole sagas of fake steps that record their calls; each run is asserted as the
/// exact sequence of calls, and of writes to the log (FTGO's saga tests do the same).
/// </summary>
public sealed class SagaDriverTests
{
    private static readonly SagaBudgets NoDelays = new(5, TimeSpan.Zero, TimeSpan.Zero, 20, TimeSpan.Zero, TimeSpan.Zero);

    private readonly SignallingClock clock = new();
    private readonly List<string> calls = [];
    private readonly RecordingStore store = new();

    [Fact]
    public async Task Start_AllStepsSucceed_ReservesThemInListOrderAndConfirms()
    {
        var drive = await Driver([Step("a"), Step("b"), Step("c")]).StartAsync("s-1", CancellationToken.None);

        calls.Should().Equal("a:reserve", "b:reserve", "c:reserve");
        drive.End.Should().Be(SagaDriveEnd.Driven);
        drive.Log.Status.Should().Be(SagaStatus.Confirmed);
        drive.Log.LeaseOwner.Should().BeNull("a saga that ended is nobody's");
    }

    [Fact]
    public async Task Start_StepRejected_CancelsTheCompletedStepsInReverseButNotTheRejectedOne()
    {
        var drive = await Driver([Step("a"), Step("b"), Step("c", reserve: StepOutcome.Rejected("no")), Step("d")])
            .StartAsync("s-1", CancellationToken.None);

        calls.Should().Equal("a:reserve", "b:reserve", "c:reserve", "b:cancel", "a:cancel");
        drive.Log.Should().Match<SagaLog<string>>(log =>
            log.Status == SagaStatus.Cancelled && log.Failure == "C reservation failed: no" && log.FailureOutcome == CallOutcome.Failed && !log.FailureTimedOut);
        drive.Owed.Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_StepOutcomeUnknown_CancelsThatStepToo(bool timedOut)
    {
        var unknown = timedOut ? StepOutcome.NoAnswerInTime("?") : StepOutcome.Unknown("?");
        var drive = await Driver([Step("a"), Step("b", reserve: unknown), Step("c")]).StartAsync("s-1", CancellationToken.None);

        calls.Should().Equal("a:reserve", "b:reserve", "b:cancel", "a:cancel");
        drive.Log.Should().Match<SagaLog<string>>(log => log.FailureOutcome == CallOutcome.Unknown && log.FailureTimedOut == timedOut);
    }

    [Fact]
    public async Task Start_StepThatThrows_IsTreatedAsUnknownAndCancelled()
    {
        var throwing = new SagaStep<string>("b",
            (_, _) => { calls.Add("b:reserve"); throw new InvalidOperationException("boom"); },
            (_, _) => { calls.Add("b:cancel"); return Task.FromResult(StepOutcome.Success()); });

        var drive = await Driver([Step("a"), throwing]).StartAsync("s-1", CancellationToken.None);

        calls.Should().Equal("a:reserve", "b:reserve", "b:cancel", "a:cancel");
        drive.Failure.Should().Match<StepOutcome>(o => o.IsUnknown && o.Detail == "boom");
    }

    [Fact]
    public async Task Start_EveryCallIsLoggedWithItsOutcomeAndTimes()
    {
        var drive = await Driver([Step("a"), Step("b", reserve: StepOutcome.Rejected("no"))]).StartAsync("s-1", CancellationToken.None);

        drive.Log.History.Select(c => (c.Step, c.Action, c.Outcome, c.Detail)).Should().Equal(
            ("a", SagaAction.Reserve, CallOutcome.Succeeded, null),
            ("b", SagaAction.Reserve, CallOutcome.Failed, "no"),
            ("a", SagaAction.Cancel, CallOutcome.Succeeded, null));
        drive.Log.History.Should().OnlyContain(c => c.StartedAt == clock.GetUtcNow() && c.FinishedAt == clock.GetUtcNow());
    }

    [Fact]
    public async Task Start_WritesEachIntentBeforeItsCall_AndEachOutcomeWithTheNextWrite()
    {
        var writesAtCall = new List<int>();
        var a = new SagaStep<string>("a",
            (_, _) => { writesAtCall.Add(store.Writes.Count); return Task.FromResult(StepOutcome.Success()); },
            (_, _) => { writesAtCall.Add(store.Writes.Count); return Task.FromResult(StepOutcome.Success()); });

        await Driver([a, Step("b", reserve: StepOutcome.Rejected("no"))]).StartAsync("s-1", CancellationToken.None);

        writesAtCall.Should().Equal(1, 4);
        store.Writes.Should().Equal(
            "insert pending: a reserve pending",
            "update pending: a reserve succeeded, b reserve pending",
            "update compensating: b reserve failed",
            "update compensating: a cancel pending",
            "update cancelled: a cancel succeeded");
    }

    [Fact]
    public async Task Cancel_ThatFails_IsRetriedAfterAnExponentialBackoff()
    {
        var cancels = new SemaphoreSlim(0);
        var outcomes = new Queue<StepOutcome>([StepOutcome.Unknown("down"), StepOutcome.Unknown("down"), StepOutcome.Success()]);
        var flaky = new SagaStep<string>("a",
            (_, _) => Task.FromResult(StepOutcome.Success()),
            (_, _) => { cancels.Release(); return Task.FromResult(outcomes.Dequeue()); });
        var budgets = NoDelays with { CompensationBaseDelay = TimeSpan.FromSeconds(1), CompensationMaxDelay = TimeSpan.FromSeconds(10) };

        var run = Driver([flaky, Step("b", reserve: StepOutcome.Rejected("no"))], budgets).StartAsync("s-1", CancellationToken.None);

        (await cancels.WaitAsync(TestDeadline)).Should().BeTrue("the first cancel is made at once");
        (await clock.TimerCreated.WaitAsync(TestDeadline)).Should().BeTrue();
        clock.Advance(TimeSpan.FromMilliseconds(999));
        (await cancels.WaitAsync(TimeSpan.Zero)).Should().BeFalse("the first retry waits the base delay");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await cancels.WaitAsync(TestDeadline)).Should().BeTrue();
        (await clock.TimerCreated.WaitAsync(TestDeadline)).Should().BeTrue();
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        (await cancels.WaitAsync(TimeSpan.Zero)).Should().BeFalse("the second retry waits twice as long");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await cancels.WaitAsync(TestDeadline)).Should().BeTrue();

        var drive = await run.WaitAsync(TestDeadline);
        drive.Log.Status.Should().Be(SagaStatus.Cancelled);
        drive.Log.History.Where(c => c.Action == SagaAction.Cancel).Select(c => c.Outcome)
            .Should().Equal(CallOutcome.Unknown, CallOutcome.Unknown, CallOutcome.Succeeded);
    }

    [Fact]
    public async Task Cancel_ThatKeepsFailing_StaysOwedForTheNextRound_AndTheOthersStillRun()
    {
        var budgets = NoDelays with { CompensationAttempts = 3, RoundBaseDelay = TimeSpan.FromSeconds(2), RoundMaxDelay = TimeSpan.FromMinutes(1) };

        var drive = await Driver([Step("a"), Step("b", cancel: StepOutcome.Unknown("down")), Step("c", reserve: StepOutcome.Rejected("no"))], budgets)
            .StartAsync("s-1", CancellationToken.None);

        calls.Should().Equal("a:reserve", "b:reserve", "c:reserve", "b:cancel", "b:cancel", "b:cancel", "a:cancel");
        drive.Owed.Should().Equal("b");
        drive.Log.Should().Match<SagaLog<string>>(log => log.Status == SagaStatus.Compensating
            && log.CompensationRounds == 1 && log.NextAttemptAt == clock.GetUtcNow().AddSeconds(2) && log.LeaseOwner == null);
    }

    [Fact]
    public async Task Start_WithAnIdRecordedBefore_AnswersTheRecordedSagaAndCallsNothing()
    {
        var recorded = SagaLog<string>.Begin("s-1", clock.GetUtcNow()).MoveTo(SagaStatus.Confirmed);
        store.Recorded = recorded;

        var drive = await Driver([Step("a")]).StartAsync("s-1", CancellationToken.None);

        drive.End.Should().Be(SagaDriveEnd.AlreadyExists);
        drive.Log.Should().BeSameAs(recorded);
        calls.Should().BeEmpty();
    }

    [Fact]
    public async Task Start_WhenAWriteLosesToAnotherOrchestrator_StopsAtOnce()
    {
        store.ConflictAtWrite = 2;

        var drive = await Driver([Step("a"), Step("b"), Step("c")]).StartAsync("s-1", CancellationToken.None);

        drive.End.Should().Be(SagaDriveEnd.TakenOver);
        calls.Should().Equal("a:reserve");
    }

    [Fact]
    public async Task Resume_ACallStillPending_IsUnknownAndUndone_AndTheSagaIsNeverCarriedForward()
    {
        var crashed = SagaLog<string>.Begin("s-1", clock.GetUtcNow()) with
        {
            History = [Call("a", SagaAction.Reserve, CallOutcome.Succeeded), Call("b", SagaAction.Reserve, CallOutcome.Pending)],
        };

        var drive = await Driver([Step("a"), Step("b"), Step("c")]).ResumeAsync(crashed, CancellationToken.None);

        calls.Should().Equal("b:cancel", "a:cancel");
        drive.Log.Status.Should().Be(SagaStatus.Cancelled);
        drive.Log.Failure.Should().Be(SagaDriver<string>.InterruptedFailure);
        drive.Log.History[1].Outcome.Should().Be(CallOutcome.Unknown);
        store.Writes[0].Should().Be("update pending: a reserve succeeded, b reserve unknown", "taking a saga over is a versioned write");
    }

    [Fact]
    public async Task Resume_WhenAnotherOrchestratorClaimedItFirst_CallsNothing()
    {
        store.ConflictAtWrite = 1;

        var drive = await Driver([Step("a")]).ResumeAsync(SagaLog<string>.Begin("s-1", clock.GetUtcNow()), CancellationToken.None);

        drive.End.Should().Be(SagaDriveEnd.TakenOver);
        calls.Should().BeEmpty();
    }

    private static TimeSpan TestDeadline => TimeSpan.FromSeconds(10);

    private StepCall Call(string step, SagaAction action, CallOutcome outcome) =>
        new(step, action, outcome, 1, clock.GetUtcNow(), outcome == CallOutcome.Pending ? null : clock.GetUtcNow(), null);

    private SagaDriver<string> Driver(IReadOnlyList<SagaStep<string>> steps, SagaBudgets? budgets = null) =>
        new(new SagaDefinition<string>("test", id => id, steps), store, new SagaLease("test", TimeSpan.FromSeconds(30)), budgets ?? NoDelays, clock,
            NullLogger<SagaDriver<string>>.Instance, TestTelemetry.Saga());

    private SagaStep<string> Step(string name, StepOutcome? reserve = null, StepOutcome? cancel = null) => new(name,
        (_, _) => { calls.Add($"{name}:reserve"); return Task.FromResult(reserve ?? StepOutcome.Success()); },
        (_, _) => { calls.Add($"{name}:cancel"); return Task.FromResult(cancel ?? StepOutcome.Success()); });

    /// <summary>Keeps one saga's log and describes every write: its kind, the status, and the calls it changed or added.</summary>
    private sealed class RecordingStore : ISagaLogStore<string>
    {
        private ImmutableArray<StepCall> written = [];

        public List<string> Writes { get; } = [];

        /// <summary>A saga already recorded under the id: the insert finds it.</summary>
        public SagaLog<string>? Recorded { get; set; }

        /// <summary>The write (1 = the first) that another orchestrator wins.</summary>
        public int? ConflictAtWrite { get; set; }

        public Task<SagaWrite<string>> InsertAsync(SagaLog<string> log, CancellationToken cancellationToken) =>
            Task.FromResult(Recorded is { } recorded ? SagaWrite<string>.Exists(recorded) : Write("insert", log));

        public Task<SagaWrite<string>> UpdateAsync(SagaLog<string> log, CancellationToken cancellationToken) =>
            Task.FromResult(Write("update", log with { Version = log.Version + 1 }));

        private SagaWrite<string> Write(string kind, SagaLog<string> log)
        {
            if (Writes.Count + 1 == ConflictAtWrite)
            {
                return SagaWrite<string>.Lost(log);
            }
            var changed = log.History.Where((call, i) => i >= written.Length || call != written[i])
                .Select(c => $"{c.Step} {c.Action.ToString().ToLowerInvariant()} {c.Outcome.ToString().ToLowerInvariant()}");
            Writes.Add($"{kind} {SagaStates.Name(log.Status)}: {string.Join(", ", changed)}");
            written = log.History;
            return SagaWrite<string>.Ok(log);
        }
    }
}
