using System.CommandLine;
using LedgerX.Cli;
using LedgerX.Cli.Commands;

// The ledgerx CLI: one verb per class under Commands/. `./ledgerx <verb>` at the repository root forwards here.
var root = new RootCommand("LedgerX command line: load benchmarks, ledger verification, sign-in.")
{
    BenchCommand.Create(),
    VerifyCommand.Create(),
    LoginCommand.Create(),
    LoginCommand.CreateToken(),
};

CliInvocation.ConfigureConsole();
return await root.Parse(args).InvokeAsync(CliInvocation.Configuration);
