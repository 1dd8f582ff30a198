using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SagaDemo.Contracts;
using SagaDemo.Sagas;
using SagaDemo.Tests.Infrastructure;

namespace SagaDemo.Tests;

public sealed class SagaRunnerTests
{
    private readonly SignallingClock clock = new();
    private readonly List<string> calls = [];
    private readonly RecordingJournal journal = new();

    [Fact]
    public async Task Run_AllStepsSucceed_RunsThemInListOrderAndCompensatesNothing()
    {
        var result = await Runner().RunAsync([Step("a"), Step("b"), Step("c")], "ctx", journal, CancellationToken.None);

        result.Succeeded.Should().BeTrue();
        calls.Should().Equal("a:run", "b:run", "c:run");
        journal.Compensating.Should().BeNull();
    }

    [Fact]
    public async Task Run_StepRejected_CompensatesTheCompletedStepsInReverseButNotTheRejectedOne()
    {
        var result = await Runner().RunAsync(
            [Step("a"), Step("b"), Step("c", run: StepOutcome.Rejected("no")), Step("d")], "ctx", journal, CancellationToken.None);

        calls.Should().Equal("a:run", "b:run", "c:run", "b:undo", "a:undo");
        result.Should().Match<SagaResult>(r => r.FailedStep == "c" && r.Failure!.Status == StepStatus.Rejected && r.CompensationsOwed.Count == 0);
        journal.Compensating.Should().Be(("c", StepStatus.Rejected));
    }

    [Theory]
    [InlineData(StepStatus.Unreachable)]
    [InlineData(StepStatus.TimedOut)]
    public async Task Run_StepOutcomeUnknown_CompensatesThatStepToo(StepStatus unknown)
    {
        await Runner().RunAsync([Step("a"), Step("b", run: new StepOutcome(unknown, "?")), Step("c")], "ctx", journal, CancellationToken.None);

        calls.Should().Equal("a:run", "b:run", "b:undo", "a:undo");
    }

    [Fact]
    public async Task Run_StepThatThrows_IsTreatedAsUnknownAndCompensated()
    {
        var throwing = new SagaStep<string>("b",
            (_, _) => { calls.Add("b:run"); throw new InvalidOperationException("boom"); },
            (_, _) => { calls.Add("b:undo"); return Task.FromResult(StepOutcome.Success()); });

        var result = await Runner().RunAsync([Step("a"), throwing], "ctx", journal, CancellationToken.None);

        calls.Should().Equal("a:run", "b:run", "b:undo", "a:undo");
        result.Failure!.Should().Match<StepOutcome>(o => o.IsUnknown && o.Detail == "boom");
    }

    [Fact]
    public async Task Run_EveryCallIsJournaledWithItsOutcomeAndTimes()
    {
        await Runner().RunAsync([Step("a"), Step("b", run: StepOutcome.Rejected("no", attempts: 1))], "ctx", journal, CancellationToken.None);

        journal.Calls.Select(c => (c.Step, c.Action, c.Outcome, c.Detail)).Should().Equal(
            ("a", SagaAction.Reserve, CallOutcome.Succeeded, null),
            ("b", SagaAction.Reserve, CallOutcome.Failed, "no"),
            ("a", SagaAction.Cancel, CallOutcome.Succeeded, null));
        journal.Calls.Should().OnlyContain(c => c.StartedAt == clock.GetUtcNow() && c.FinishedAt == clock.GetUtcNow());
    }

    [Fact]
    public async Task Run_WritesEachCallsIntentBeforeMakingIt()
    {
        var writesAtCall = new List<int>();
        var step = new SagaStep<string>("a",
            (_, _) => { writesAtCall.Add(journal.Writes.Count); return Task.FromResult(StepOutcome.Success()); },
            (_, _) => Task.FromResult(StepOutcome.Success()));

        await Runner().RunAsync([step, Step("b", run: StepOutcome.Rejected("no"))], "ctx", journal, CancellationToken.None);

        writesAtCall.Should().Equal(1);
        journal.Writes.Should().Equal(
            "a:Reserve:Pending", "a:Reserve:Succeeded",
            "b:Reserve:Pending", "b:Reserve:Failed",
            "a:Cancel:Pending", "a:Cancel:Succeeded");
    }

    [Fact]
    public async Task Compensation_ThatFails_IsRetriedAfterAnExponentialBackoff()
    {
        var undoCalls = new SemaphoreSlim(0);
        var undoOutcomes = new Queue<StepOutcome>([StepOutcome.Unreachable("down"), StepOutcome.Unreachable("down"), StepOutcome.Success()]);
        var flaky = new SagaStep<string>("a",
            (_, _) => Task.FromResult(StepOutcome.Success()),
            (_, _) => { undoCalls.Release(); return Task.FromResult(undoOutcomes.Dequeue()); });
        var runner = Runner(new SagaOptions { CompensationAttempts = 5, CompensationBaseDelay = TimeSpan.FromSeconds(1), CompensationMaxDelay = TimeSpan.FromSeconds(10) });

        var run = runner.RunAsync([flaky, Step("b", run: StepOutcome.Rejected("no"))], "ctx", journal, CancellationToken.None);

        (await undoCalls.WaitAsync(TestDeadline)).Should().BeTrue("the first compensation is made at once");
        (await clock.TimerCreated.WaitAsync(TestDeadline)).Should().BeTrue();
        clock.Advance(TimeSpan.FromMilliseconds(999));
        (await undoCalls.WaitAsync(TimeSpan.Zero)).Should().BeFalse("the first retry waits the base delay");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await undoCalls.WaitAsync(TestDeadline)).Should().BeTrue();
        (await clock.TimerCreated.WaitAsync(TestDeadline)).Should().BeTrue();
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        (await undoCalls.WaitAsync(TimeSpan.Zero)).Should().BeFalse("the second retry waits twice as long");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        (await undoCalls.WaitAsync(TestDeadline)).Should().BeTrue();

        var result = await run.WaitAsync(TestDeadline);
        result.CompensationsOwed.Should().BeEmpty();
        journal.Calls.Where(c => c.Action == SagaAction.Cancel).Select(c => c.Outcome)
            .Should().Equal(CallOutcome.Unknown, CallOutcome.Unknown, CallOutcome.Succeeded);
    }

    [Fact]
    public async Task Compensation_ThatKeepsFailing_IsReportedAsOwedAndTheOthersStillRun()
    {
        var runner = Runner(new SagaOptions { CompensationAttempts = 3, CompensationBaseDelay = TimeSpan.Zero });

        var result = await runner.RunAsync(
            [Step("a"), Step("b", undo: StepOutcome.Unreachable("down")), Step("c", run: StepOutcome.Rejected("no"))],
            "ctx", journal, CancellationToken.None);

        calls.Should().Equal("a:run", "b:run", "c:run", "b:undo", "b:undo", "b:undo", "a:undo");
        result.CompensationsOwed.Should().Equal("b");
    }

    private static TimeSpan TestDeadline => TimeSpan.FromSeconds(10);

    private SagaRunner Runner(SagaOptions? options = null) =>
        new(clock, Options.Create(options ?? new SagaOptions { CompensationBaseDelay = TimeSpan.Zero }), NullLogger<SagaRunner>.Instance);

    private SagaStep<string> Step(string name, StepOutcome? run = null, StepOutcome? undo = null) => new(name,
        (_, _) => { calls.Add($"{name}:run"); return Task.FromResult(run ?? StepOutcome.Success()); },
        (_, _) => { calls.Add($"{name}:undo"); return Task.FromResult(undo ?? StepOutcome.Success()); });

    private sealed class RecordingJournal : ISagaJournal
    {
        public List<StepCall> Calls { get; } = [];

        /// <summary>Intents and outcomes in the order they were written.</summary>
        public List<string> Writes { get; } = [];

        public Task CallStartingAsync(StepCall intent)
        {
            Writes.Add($"{intent.Step}:{intent.Action}:{intent.Outcome}");
            return Task.CompletedTask;
        }

        public (string, StepStatus)? Compensating { get; private set; }

        public Task RecordAsync(StepCall call)
        {
            Calls.Add(call);
            Writes.Add($"{call.Step}:{call.Action}:{call.Outcome}");
            return Task.CompletedTask;
        }

        public Task CompensatingAsync(string failedStep, StepOutcome failure)
        {
            Compensating = (failedStep, failure.Status);
            return Task.CompletedTask;
        }
    }
}
