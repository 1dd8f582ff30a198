using System.Text.RegularExpressions;

namespace SagaDemo.Tests;

/// <summary>The folders are the architecture (README, Architecture): their dependencies point one way.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "src", "SagaDemo"));

    [Fact]
    public void NoFolderUsesAFolderThatUsesItBack()
    {
        var uses = Dependencies();

        var cycles = uses.SelectMany(from => from.Value.Where(to => Reaches(uses, to, from.Key)).Select(to => $"{from.Key} → {to} → … → {from.Key}")).ToList();

        uses.Keys.Should().Contain(["Saga", "Orders", "Participants", "Hosting", "Contracts", "Clients", "Infrastructure"], "the source was found");
        cycles.Should().BeEmpty();
    }

    [Fact]
    public void TheSagaKnowsNothingOfOrdersHttpOrSql()
    {
        var saga = Dependencies()["Saga"];
        saga.Should().BeEmpty("Saga/ is the bottom layer");
        Directory.EnumerateFiles(Path.Combine(Source, "Saga"), "*.cs").SelectMany(File.ReadLines)
            .Where(line => line.StartsWith("using ", StringComparison.Ordinal))
            .Should().NotContain(line => line.Contains("AspNetCore") || line.Contains("Sqlite") || line.Contains("Npgsql") || line.Contains("System.Net.Http"));
    }

    private static Dictionary<string, HashSet<string>> Dependencies()
    {
        var uses = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(Source, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Source, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal) || !relative.Contains(Path.DirectorySeparatorChar))
            {
                continue; // Program.cs sits above every folder
            }
            var folder = relative.Split(Path.DirectorySeparatorChar)[0];
            var set = uses.TryGetValue(folder, out var found) ? found : uses[folder] = [];
            foreach (Match match in UsingOrName().Matches(File.ReadAllText(file)))
            {
                var target = match.Groups[1].Value;
                if (target != folder)
                {
                    set.Add(target);
                }
            }
        }
        return uses;
    }

    private static bool Reaches(Dictionary<string, HashSet<string>> uses, string from, string to, HashSet<string>? seen = null)
    {
        seen ??= [];
        return seen.Add(from) && uses.TryGetValue(from, out var next) && (next.Contains(to) || next.Any(n => Reaches(uses, n, to, seen)));
    }

    // "using SagaDemo.Orders;", "global using X = SagaDemo.Saga.SagaLog<…>", or a qualified name in code.
    [GeneratedRegex(@"\bSagaDemo\.(\w+)")]
    private static partial Regex UsingOrName();
}
