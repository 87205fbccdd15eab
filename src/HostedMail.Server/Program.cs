using HostedMail.Server.Cli;

return await HostedMailCli.RunAsync(args, Console.In, Console.Out, Console.Error);
