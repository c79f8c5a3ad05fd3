namespace LedgerX.LocalDapr.Resources;

/// <summary>A resource file that cannot be used; the message always names the file and the field.</summary>
public sealed class ResourceException : Exception
{
    public ResourceException(string file, string field, string problem)
        : base($"{file}: {field}: {problem}")
    {
        File = file;
        Field = field;
    }

    public ResourceException()
    {
        File = "";
        Field = "";
    }

    public ResourceException(string message)
        : base(message)
    {
        File = "";
        Field = "";
    }

    public ResourceException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = "";
        Field = "";
    }

    public string File { get; }

    public string Field { get; }
}
