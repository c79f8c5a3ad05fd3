using System.CommandLine;
using LedgerX.Cli;
using LedgerX.Cli.Commands;

// The ledgerx CLI: one verb per class under Commands/. `./ledgerx <verb>` at the repository root forwards here.
var root = new RootCommand("LedgerX command line: load benchmarks, chaos runs, live-feed latency, ledger verification, NLP evaluation, sign-in, questions about your money, the running system's logs.")
{
    BenchCommand.Create(),
    VerifyCommand.Create(),
    LiveLatencyCommand.Create(),
    NlpEvalCommand.Create(),
    LoginCommand.Create(),
    LoginCommand.CreateToken(),
    AskCommand.Create(),
    NlpLatencyCommand.Create(),
    LoadCommand.Create(),
    ChaosCommand.Create(),
    LogsCommand.Create(),
};

CliInvocation.ConfigureConsole();
return await root.Parse(args).InvokeAsync(CliInvocation.Configuration);
