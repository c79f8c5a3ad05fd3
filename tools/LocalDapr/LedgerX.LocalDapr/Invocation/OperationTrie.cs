namespace LedgerX.LocalDapr.Invocation;

/// <summary>What one <c>operations[]</c> entry decides: an action per HTTP verb (<c>*</c> for any) and one for gRPC apps.</summary>
public sealed record OperationAction(string Name, IReadOnlyDictionary<string, string> VerbActions, string Action);

/// <summary>
/// The operation lookup of daprd's access control (pkg/config/acl_trie.go), with the same matching rules, quirks
/// included, so that a policy behaves here as it will under daprd:
/// <list type="bullet">
/// <item>Paths are compared segment by segment (<c>/a/b</c> = <c>/a</c>, <c>/b</c>).</item>
/// <item>A segment <c>*</c> matches one segment, but only as the <b>last</b> one: <c>/accounts/*</c> matches
/// <c>/accounts/1</c>, and <c>/accounts/*/freeze</c> matches nothing.</item>
/// <item>A segment <c>**</c> matches everything below it: <c>/accounts/**</c> matches <c>/accounts/1/freeze</c>.</item>
/// <item>A <c>*</c> inside a segment is a glob over that segment (<c>/v*</c> matches <c>/v1</c>; <c>/*-*</c> matches a
/// GUID), anywhere in the path.</item>
/// <item>An operation without wildcards also matches every path below it (<c>/accounts</c> matches
/// <c>/accounts/1</c>): the first stored operation met along the path wins.</item>
/// <item>Siblings are tried in the order the policy lists them; the first that matches is taken (so a wildcard listed
/// before an exact sibling shadows it), and the first of two identical operations wins.</item>
/// </list>
/// </summary>
public sealed class OperationTrie
{
    private const string OneSegment = "/*";
    private const string AnySegments = "/**";

    private readonly Node _root = new("/");

    public void Add(string operation, OperationAction action)
    {
        string[] parts = operation.Split('/');
        var node = _root;
        for (int i = 1; i < parts.Length; i++)
        {
            string segment = "/" + parts[i];
            var existing = node.Children.FirstOrDefault(c => c.Segment == segment);
            if (existing is null)
            {
                var created = new Node(segment) { Action = i == parts.Length - 1 ? action : null };
                node.Children.Add(created);
                node = created;
            }
            else if (i == parts.Length - 1)
            {
                existing.Action ??= action;
            }
            else
            {
                node = existing;
            }
        }
    }

    /// <summary>The entry deciding <paramref name="operation"/> (which starts with <c>/</c>), or null when none matches.</summary>
    public OperationAction? Search(string operation)
    {
        string[] parts = operation.Split('/');
        Node? node = _root;
        for (int i = 1; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            node = node.Find("/" + parts[i], last);
            if (node is null)
            {
                return null;
            }

            if (node.Action is not null)
            {
                // A one-segment wildcard met before the end keeps descending; anything else decides here.
                if (!last && node.Segment.EndsWith(OneSegment, StringComparison.Ordinal) && !node.Segment.EndsWith(AnySegments, StringComparison.Ordinal))
                {
                    continue;
                }

                return node.Action;
            }

            if (last)
            {
                return node.Find(OneSegment, last: true)?.Action;
            }
        }

        return null;
    }

    /// <summary>
    /// daprd's <c>isMatch</c>: <c>*</c> matches any run of characters (none included) within the segment, which keeps its
    /// leading <c>/</c> on both sides.
    /// </summary>
    internal static bool GlobMatches(string segment, string pattern)
    {
        // matches[i, j]: segment[..i] matches pattern[..j].
        var matches = new bool[segment.Length + 1, pattern.Length + 1];
        matches[0, 0] = true;
        for (int j = 1; j <= pattern.Length && pattern[j - 1] == '*'; j++)
        {
            matches[0, j] = true;
        }

        for (int i = 1; i <= segment.Length; i++)
        {
            for (int j = 1; j <= pattern.Length; j++)
            {
                matches[i, j] = pattern[j - 1] == '*'
                    ? matches[i, j - 1] || matches[i - 1, j]
                    : segment[i - 1] == pattern[j - 1] && matches[i - 1, j - 1];
            }
        }

        return matches[segment.Length, pattern.Length];
    }

    private sealed class Node(string segment)
    {
        public string Segment { get; } = segment;

        public OperationAction? Action { get; set; }

        public List<Node> Children { get; } = [];

        /// <summary>The first child, in insertion order, that matches <paramref name="segment"/>.</summary>
        public Node? Find(string segment, bool last)
        {
            foreach (var child in Children)
            {
                if (child.Segment == segment)
                {
                    return child;
                }

                if (child.Segment == OneSegment)
                {
                    if (last)
                    {
                        return child;
                    }

                    continue;
                }

                if (child.Segment == AnySegments || GlobMatches(segment, child.Segment))
                {
                    return child;
                }
            }

            return null;
        }
    }
}
