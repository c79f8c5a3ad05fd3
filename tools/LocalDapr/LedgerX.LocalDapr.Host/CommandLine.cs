using System.Globalization;

namespace LedgerX.LocalDapr.Host;

/// <summary>daprd/dapr-CLI style flags: <c>--name value</c> or <c>--name=value</c>, repeatable where noted.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    public string Command { get; }

    public static CommandLine Parse(string[] args)
    {
        var line = new CommandLine(args.Length > 0 ? args[0] : "help");
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-'))
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }

            string name = arg.TrimStart('-');
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }

            if (!line._values.TryGetValue(name, out var list))
            {
                line._values[name] = list = [];
            }

            list.Add(value ?? "true");
        }

        return line;
    }

    public string? Get(params string[] names) => names.Select(n => _values.GetValueOrDefault(n)?.LastOrDefault()).FirstOrDefault(v => v is not null);

    public IReadOnlyList<string> All(params string[] names) => names.SelectMany(n => _values.GetValueOrDefault(n) ?? []).ToList();

    public int? Int(params string[] names)
    {
        string? text = Get(names);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new ArgumentException($"--{names[0]} expects a number, got '{text}'");
    }

    public void RejectUnknown(params string[] known)
    {
        var unknown = _values.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
