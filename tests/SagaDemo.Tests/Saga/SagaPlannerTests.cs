using System.Collections.Immutable;
using SagaDemo.Saga;

namespace SagaDemo.Tests.Saga;

/// <summary>The planner as a table: a saga's log in, the next action out. Steps a, b, c run in that order.</summary>
public sealed class SagaPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Steps = ["a", "b", "c"];
    private static readonly SagaBudgets Budgets = new(
        CompensationAttempts: 3, CompensationBaseDelay: TimeSpan.FromSeconds(1), CompensationMaxDelay: TimeSpan.FromSeconds(10),
        MaxCompensationRounds: 4, RoundBaseDelay: TimeSpan.FromMinutes(1), RoundMaxDelay: TimeSpan.FromHours(1));

    /// <summary>One row: the log as the planner finds it, and what it must answer.</summary>
    public sealed record Row(string Name, SagaStatus Status, StepCall[] History, SagaPlan Expected, bool Resumed = false, int DriveStart = 0, int Rounds = 0)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Row> Rows => new(
        // Forward: reserve in list order; the first reserve that did not succeed turns the saga around.
        new Row("a new saga reserves the first step", SagaStatus.Pending, [], new SagaPlan.Reserve("a")),
        new Row("then the next one", SagaStatus.Pending, [Reserve("a", Ok)], new SagaPlan.Reserve("b")),
        new Row("every reserve succeeded: confirm", SagaStatus.Pending, [Reserve("a", Ok), Reserve("b", Ok), Reserve("c", Ok)], new SagaPlan.Confirm()),
        new Row("a participant said no: compensate", SagaStatus.Pending, [Reserve("a", Ok), Reserve("b", No)], new SagaPlan.Compensate("b")),
        new Row("no usable answer: compensate", SagaStatus.Pending, [Reserve("a", Ok), Reserve("b", Unknown)], new SagaPlan.Compensate("b")),
        new Row("taken over before every reserve: compensate, never carry on", SagaStatus.Pending, [Reserve("a", Ok)],
            new SagaPlan.Compensate("b"), Resumed: true),
        new Row("taken over with every reserve done: confirm", SagaStatus.Pending, [Reserve("a", Ok), Reserve("b", Ok), Reserve("c", Ok)],
            new SagaPlan.Confirm(), Resumed: true),

        // Backward: undo newest first what succeeded or may have.
        new Row("the refused step is not undone; the one before is", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", No)],
            new SagaPlan.Cancel("a", Now)),
        new Row("an unknown reserve is undone first", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", Unknown)],
            new SagaPlan.Cancel("b", Now)),
        new Row("a reserve still pending is undone", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", Pending)],
            new SagaPlan.Cancel("b", Now)),
        new Row("then the one before it", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", Unknown), Cancel("b", Ok)],
            new SagaPlan.Cancel("a", Now)),
        new Row("everything undone: cancelled", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", Unknown), Cancel("b", Ok), Cancel("a", Ok)],
            new SagaPlan.FinishCancelled()),
        new Row("a failed cancel is tried again after the base delay", SagaStatus.Compensating, [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown)],
            new SagaPlan.Cancel("a", Now.AddSeconds(1))),
        new Row("and after twice that the next time", SagaStatus.Compensating,
            [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown), Cancel("a", Unknown)], new SagaPlan.Cancel("a", Now.AddSeconds(2))),
        new Row("tries of an earlier round do not count", SagaStatus.Compensating,
            [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown), Cancel("a", Unknown), Cancel("a", Unknown)], new SagaPlan.Cancel("a", Now),
            DriveStart: 5),
        new Row("a cancel that spent its tries stays owed; the others still run", SagaStatus.Compensating,
            [Reserve("a", Ok), Reserve("b", Ok), Reserve("c", No), Cancel("b", Unknown), Cancel("b", Unknown), Cancel("b", Unknown)],
            new SagaPlan.Cancel("a", Now)),
        new Row("owed after this round: wait for the next", SagaStatus.Compensating,
            [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown), Cancel("a", Unknown), Cancel("a", Unknown)],
            new SagaPlan.WaitUntil(["a"], Now.AddMinutes(2)), Rounds: 1),
        new Row("owed with the last round spent: an operator must look", SagaStatus.Compensating,
            [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown), Cancel("a", Unknown), Cancel("a", Unknown)],
            new SagaPlan.HandToOperator(["a"], Now.AddMinutes(8)), Rounds: 3),

        // Ended, or waiting for an operator: nothing to do.
        new Row("confirmed", SagaStatus.Confirmed, [Reserve("a", Ok), Reserve("b", Ok), Reserve("c", Ok)], new SagaPlan.Stop()),
        new Row("cancelled", SagaStatus.Cancelled, [Reserve("a", No)], new SagaPlan.Stop()),
        new Row("compensation failed", SagaStatus.CompensationFailed, [Reserve("a", Ok), Reserve("b", No), Cancel("a", Unknown)], new SagaPlan.Stop()));

    [Theory]
    [MemberData(nameof(Rows))]
    public void Next_FromTheLog_IsTheExpectedAction(Row row)
    {
        var log = SagaLog<string>.Begin("s-1", Now) with
        {
            Status = row.Status,
            History = [.. row.History],
            CompensationRounds = row.Rounds,
        };

        var plan = SagaPlanner.Next(Steps, log, row.DriveStart, row.Resumed, Now, Budgets);

        plan.GetType().Should().Be(row.Expected.GetType());
        if (row.Expected.GetType().GetProperties().Length > 0)
        {
            plan.Should().BeEquivalentTo(row.Expected, options => options.RespectingRuntimeTypes());
        }
    }

    [Theory]
    [InlineData(SagaStatus.Pending, SagaStatus.Confirmed, true)]
    [InlineData(SagaStatus.Pending, SagaStatus.Compensating, true)]
    [InlineData(SagaStatus.Compensating, SagaStatus.Cancelled, true)]
    [InlineData(SagaStatus.Compensating, SagaStatus.Compensating, true)]
    [InlineData(SagaStatus.Compensating, SagaStatus.CompensationFailed, true)]
    [InlineData(SagaStatus.CompensationFailed, SagaStatus.Compensating, true)]
    [InlineData(SagaStatus.Pending, SagaStatus.Cancelled, false)]
    [InlineData(SagaStatus.Compensating, SagaStatus.Confirmed, false)]
    [InlineData(SagaStatus.Confirmed, SagaStatus.Compensating, false)]
    [InlineData(SagaStatus.Cancelled, SagaStatus.Compensating, false)]
    [InlineData(SagaStatus.CompensationFailed, SagaStatus.Cancelled, false)]
    public void MoveTo_AllowsExactlyTheMovesOfTheStateTable(SagaStatus from, SagaStatus to, bool allowed)
    {
        var log = SagaLog<string>.Begin("s-1", Now) with { Status = from };

        var move = () => log.MoveTo(to);

        if (allowed)
        {
            move().Status.Should().Be(to);
        }
        else
        {
            move.Should().Throw<IllegalSagaMoveException>().WithMessage($"*from {SagaStates.Name(from)} to {SagaStates.Name(to)}*");
        }
    }

    private const CallOutcome Ok = CallOutcome.Succeeded;
    private const CallOutcome No = CallOutcome.Failed;
    private const CallOutcome Unknown = CallOutcome.Unknown;
    private const CallOutcome Pending = CallOutcome.Pending;

    private static StepCall Reserve(string step, CallOutcome outcome) => Call(step, SagaAction.Reserve, outcome);

    private static StepCall Cancel(string step, CallOutcome outcome) => Call(step, SagaAction.Cancel, outcome);

    private static StepCall Call(string step, SagaAction action, CallOutcome outcome) =>
        new(step, action, outcome, 1, Now, outcome == CallOutcome.Pending ? null : Now, null);
}
