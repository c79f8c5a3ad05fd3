using System.Globalization;
using System.Text;

namespace LedgerX.Cli.Load;

/// <summary>What a template's placeholders are filled from while one request is built.</summary>
internal interface ITemplateValues
{
    /// <summary>The value of <paramref name="name"/> (without braces), or null when it has none yet.</summary>
    string? Lookup(string name);
}

/// <summary>
/// A string with <c>{{placeholders}}</c>, split once at load into literal and placeholder parts so that building a
/// request is appends into a reused <see cref="StringBuilder"/> (no parsing, no regex on the hot path).
/// Placeholders (docs/load.md): <c>account</c>, <c>peerAccount</c>, <c>uuid</c>, <c>idempotencyKey</c>,
/// <c>int:MIN-MAX</c>, <c>var.NAME</c> (captured by this VU), <c>user.NAME</c> (the VU's user).
/// </summary>
internal sealed class Template
{
    private const string Open = "{{";
    private const string Close = "}}";

    private readonly string[] _literals;
    private readonly Part[] _parts;

    private Template(string text, string[] literals, Part[] parts)
    {
        Text = text;
        _literals = literals;
        _parts = parts;
    }

    public string Text { get; }

    /// <summary>The var./user. names the template reads: a request that needs one not captured yet is not picked.</summary>
    public IEnumerable<string> Variables => _parts.Where(p => p.Kind == PartKind.Named && (p.Name.StartsWith("var.", StringComparison.Ordinal) || p.Name.StartsWith("user.", StringComparison.Ordinal))).Select(p => p.Name);

    public bool IsConstant => _parts.Length == 0;

    public static Template Parse(string text, string where)
    {
        var literals = new List<string>();
        var parts = new List<Part>();
        var position = 0;
        while (true)
        {
            var open = text.IndexOf(Open, position, StringComparison.Ordinal);
            if (open < 0)
            {
                literals.Add(text[position..]);
                break;
            }
            var close = text.IndexOf(Close, open + Open.Length, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new LoadScriptException($"{where}: '{{{{' without '}}}}' in \"{text}\"");
            }
            literals.Add(text[position..open]);
            parts.Add(ParsePart(text[(open + Open.Length)..close].Trim(), where));
            position = close + Close.Length;
        }
        return new Template(text, [.. literals], [.. parts]);
    }

    /// <summary>Appends the rendered text; false (and a partial append) when a variable has no value.</summary>
    public bool TryRender(StringBuilder into, ITemplateValues values, Random random)
    {
        into.Append(_literals[0]);
        for (var i = 0; i < _parts.Length; i++)
        {
            var part = _parts[i];
            switch (part.Kind)
            {
                case PartKind.Uuid:
                    into.Append(Guid.CreateVersion7().ToString());
                    break;
                case PartKind.Int:
                    into.Append(random.NextInt64(part.Min, part.Max + 1).ToString(CultureInfo.InvariantCulture));
                    break;
                default:
                    if (values.Lookup(part.Name) is not { } value)
                    {
                        return false;
                    }
                    into.Append(value);
                    break;
            }
            into.Append(_literals[i + 1]);
        }
        return true;
    }

    public string? Render(ITemplateValues values, Random random)
    {
        var builder = new StringBuilder();
        return TryRender(builder, values, random) ? builder.ToString() : null;
    }

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal) { "account", "peerAccount", "idempotencyKey", "email" };

    private static Part ParsePart(string name, string where)
    {
        if (name == "uuid")
        {
            return new Part(PartKind.Uuid, name, 0, 0);
        }
        if (name.StartsWith("int:", StringComparison.Ordinal))
        {
            var range = name[4..].Split('-');
            if (range.Length != 2 || !long.TryParse(range[0], CultureInfo.InvariantCulture, out var min) ||
                !long.TryParse(range[1], CultureInfo.InvariantCulture, out var max) || min > max)
            {
                throw new LoadScriptException($"{where}: '{{{{{name}}}}}' is not int:MIN-MAX with MIN <= MAX");
            }
            return new Part(PartKind.Int, name, min, max);
        }
        if (Known.Contains(name) || (name.StartsWith("var.", StringComparison.Ordinal) && name.Length > 4) ||
            (name.StartsWith("user.", StringComparison.Ordinal) && name.Length > 5))
        {
            return new Part(PartKind.Named, name, 0, 0);
        }
        throw new LoadScriptException(
            $"{where}: unknown placeholder '{{{{{name}}}}}' (known: account, peerAccount, email, uuid, idempotencyKey, int:MIN-MAX, var.NAME, user.NAME)");
    }

    private enum PartKind
    {
        Named,
        Uuid,
        Int,
    }

    private readonly record struct Part(PartKind Kind, string Name, long Min, long Max);
}
