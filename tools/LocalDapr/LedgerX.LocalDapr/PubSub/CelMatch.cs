using System.Globalization;
using System.Text.Json.Nodes;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// The subset of CEL that routing rules use in practice, evaluated over the CloudEvent as <c>event</c>:
/// <c>event.path.to.field</c>, string/number/bool/null literals, <c>== != &lt; &lt;= &gt; &gt;=</c>,
/// <c>&amp;&amp; || !</c>, parentheses, and the string methods <c>startsWith</c>, <c>endsWith</c>, <c>contains</c>.
/// Anything else (macros, arithmetic, <c>in</c>, <c>has()</c>, ...) is rejected when the subscription is loaded,
/// never silently treated as false. A missing field makes the rule not match, as a CEL evaluation error does in daprd.
/// </summary>
public sealed class CelMatch
{
    private const int MaxExpressionLength = 1024;
    private readonly Node _root;

    private CelMatch(string text, Node root)
    {
        Text = text;
        _root = root;
    }

    public string Text { get; }

    public static CelMatch Parse(string expression)
    {
        if (expression.Length > MaxExpressionLength)
        {
            throw new FormatException($"match expression longer than {MaxExpressionLength} characters");
        }

        var parser = new Parser(Tokenize(expression), expression);
        var root = parser.ParseExpression();
        parser.ExpectEnd();
        return new CelMatch(expression, root);
    }

    public bool Matches(JsonObject cloudEvent)
    {
        try
        {
            return _root.Evaluate(cloudEvent) is true;
        }
        catch (MissingFieldException)
        {
            return false;
        }
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '"' or '\'')
            {
                int end = text.IndexOf(c, i + 1);
                if (end < 0)
                {
                    throw new FormatException($"unterminated string in '{text}'");
                }

                tokens.Add(text[i..(end + 1)]);
                i = end + 1;
            }
            else if (i + 1 < text.Length && text.Substring(i, 2) is "==" or "!=" or "<=" or ">=" or "&&" or "||")
            {
                tokens.Add(text.Substring(i, 2));
                i += 2;
            }
            else if (c is '(' or ')' or '<' or '>' or '!' or '.' or ',')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (char.IsLetterOrDigit(c) || c is '_')
            {
                int start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' || (text[i] is '.' && char.IsDigit(text[start]))))
                {
                    i++;
                }

                if (i == start)
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
            else
            {
                throw new FormatException($"unsupported character '{c}' in match expression '{text}'");
            }
        }

        return tokens;
    }

    private sealed class MissingFieldException : Exception
    {
    }

    private abstract class Node
    {
        public abstract object? Evaluate(JsonObject ev);
    }

    private sealed class Literal(object? value) : Node
    {
        public override object? Evaluate(JsonObject ev) => value;
    }

    private sealed class FieldPath(IReadOnlyList<string> path) : Node
    {
        public override object? Evaluate(JsonObject ev)
        {
            JsonNode? current = ev;
            foreach (string segment in path)
            {
                if (current is not JsonObject obj || !obj.TryGetPropertyValue(segment, out current))
                {
                    throw new MissingFieldException();
                }
            }

            return current switch
            {
                null => null,
                JsonValue v when v.TryGetValue(out string? s) => s,
                JsonValue v when v.TryGetValue(out bool b) => b,
                JsonValue v when v.TryGetValue(out double d) => d,
                _ => current.ToJsonString(),
            };
        }
    }

    private sealed class Not(Node inner) : Node
    {
        public override object? Evaluate(JsonObject ev) => inner.Evaluate(ev) is not true;
    }

    private sealed class Logical(Node left, Node right, bool isAnd) : Node
    {
        public override object? Evaluate(JsonObject ev)
        {
            // CEL's && / || absorb errors on the side that does not decide the result.
            bool? l = TryBool(left, ev);
            if (isAnd && l == false)
            {
                return false;
            }

            if (!isAnd && l == true)
            {
                return true;
            }

            bool? r = TryBool(right, ev);
            return isAnd ? (l == true && r == true) : (l == true || r == true);
        }

        private static bool? TryBool(Node node, JsonObject ev)
        {
            try
            {
                return node.Evaluate(ev) is true;
            }
            catch (MissingFieldException)
            {
                return null;
            }
        }
    }

    private sealed class Comparison(Node left, string op, Node right) : Node
    {
        public override object? Evaluate(JsonObject ev)
        {
            object? l = left.Evaluate(ev);
            object? r = right.Evaluate(ev);
            if (op is "==")
            {
                return Equals(l, r);
            }

            if (op is "!=")
            {
                return !Equals(l, r);
            }

            int cmp = (l, r) switch
            {
                (double a, double b) => a.CompareTo(b),
                (string a, string b) => string.CompareOrdinal(a, b),
                _ => throw new MissingFieldException(),
            };
            return op switch
            {
                "<" => cmp < 0,
                "<=" => cmp <= 0,
                ">" => cmp > 0,
                _ => cmp >= 0,
            };
        }
    }

    private sealed class StringMethod(Node target, string method, Node argument) : Node
    {
        public override object? Evaluate(JsonObject ev)
        {
            if (target.Evaluate(ev) is not string s || argument.Evaluate(ev) is not string a)
            {
                throw new MissingFieldException();
            }

            return method switch
            {
                "startsWith" => s.StartsWith(a, StringComparison.Ordinal),
                "endsWith" => s.EndsWith(a, StringComparison.Ordinal),
                _ => s.Contains(a, StringComparison.Ordinal),
            };
        }
    }

    private sealed class Parser(List<string> tokens, string text)
    {
        private int _pos;

        public Node ParseExpression()
        {
            var left = ParseAnd();
            while (Peek() == "||")
            {
                _pos++;
                left = new Logical(left, ParseAnd(), isAnd: false);
            }

            return left;
        }

        public void ExpectEnd()
        {
            if (_pos != tokens.Count)
            {
                throw Unsupported($"unexpected '{tokens[_pos]}'");
            }
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (Peek() == "&&")
            {
                _pos++;
                left = new Logical(left, ParseUnary(), isAnd: true);
            }

            return left;
        }

        private Node ParseUnary()
        {
            if (Peek() == "!")
            {
                _pos++;
                return new Not(ParseUnary());
            }

            var left = ParseOperand();
            if (Peek() is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                string op = tokens[_pos++];
                return new Comparison(left, op, ParseOperand());
            }

            return left;
        }

        private Node ParseOperand()
        {
            string token = Next();
            if (token == "(")
            {
                var inner = ParseExpression();
                Expect(")");
                return inner;
            }

            if (token[0] is '"' or '\'')
            {
                return new Literal(token[1..^1]);
            }

            if (token is "true" or "false")
            {
                return new Literal(token == "true");
            }

            if (token == "null")
            {
                return new Literal(null);
            }

            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            {
                return new Literal(number);
            }

            if (token != "event")
            {
                throw Unsupported($"'{token}' (only fields of 'event' and literals are supported)");
            }

            var path = new List<string>();
            while (Peek() == ".")
            {
                _pos++;
                string name = Next();
                if (Peek() == "(")
                {
                    if (name is not ("startsWith" or "endsWith" or "contains"))
                    {
                        throw Unsupported($"method '{name}'");
                    }

                    _pos++;
                    var argument = ParseOperand();
                    Expect(")");
                    return new StringMethod(new FieldPath(path), name, argument);
                }

                path.Add(name);
            }

            return new FieldPath(path);
        }

        private string? Peek() => _pos < tokens.Count ? tokens[_pos] : null;

        private string Next() => _pos < tokens.Count ? tokens[_pos++] : throw Unsupported("unexpected end");

        private void Expect(string token)
        {
            if (Next() != token)
            {
                throw Unsupported($"expected '{token}'");
            }
        }

        private FormatException Unsupported(string what) =>
            new($"unsupported CEL in match expression '{text}': {what}");
    }
}
