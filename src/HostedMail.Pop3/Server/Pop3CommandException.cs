namespace HostedMail.Pop3.Server;

/// <summary>
/// A command's "-ERR" answer, thrown by handlers and written by the session loop (the one catch
/// site per command). <see cref="CountsAsBad"/> feeds the bad-command limit.
/// </summary>
internal sealed class Pop3CommandException(string? code, string text, bool countsAsBad = true) : Exception(text)
{
    public string? Code { get; } = code;

    public string Text { get; } = text;

    public bool CountsAsBad { get; } = countsAsBad;
}
