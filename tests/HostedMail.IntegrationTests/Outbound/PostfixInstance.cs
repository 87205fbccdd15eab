using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HostedMail.Net;
using HostedMail.Testing;

namespace HostedMail.IntegrationTests.Outbound;

/// <summary>
/// A private Postfix (Debian package "postfix") on a loopback port, run in the foreground from a
/// temporary config_directory, delivering every recipient of interop.example into one maildir
/// with the virtual agent, and offering STARTTLS with a self-signed certificate.
/// </summary>
public sealed class PostfixInstance : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("hm-postfix-").FullName;
    private Process? master;

    public int Port { get; private set; }

    public string Maildir => Path.Combine(directory, "mail", "box");

    public string Log { get; private set; } = string.Empty;

    /// <summary>More main.cf lines, e.g. a relayhost to make this Postfix a sending MTA.</summary>
    public string ExtraConfiguration { get; init; } = string.Empty;

    public async Task InitializeAsync()
    {
        var postfix = ExternalProcess.Require("postfix", "postfix");
        Port = FreePorts.Next();
        var conf = Path.Combine(directory, "conf");
        Directory.CreateDirectory(conf);
        Directory.CreateDirectory(Path.Combine(directory, "queue"));
        Directory.CreateDirectory(Path.Combine(directory, "data"));
        Directory.CreateDirectory(Path.Combine(directory, "mail"));
        // The virtual agent writes as the postfix user; the test reads as whoever it runs as.
        await ExternalProcess.RunAsync("chmod", ["0777", Path.Combine(directory, "mail")]);
        await ExternalProcess.RunAsync("chmod", ["0755", directory]);
        var (certificate, key) = TestCertificates.WritePemPair(directory, "postfix.test");
        var ids = await IdsAsync();
        await ExternalProcess.RunAsync("chown", ["postfix", Path.Combine(directory, "data")]);
        await File.WriteAllTextAsync(Path.Combine(conf, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {directory}/queue
            data_directory = {directory}/data
            meta_directory = /etc/postfix
            mail_owner = postfix
            setgid_group = postdrop
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            myhostname = postfix.test
            mydestination =
            mynetworks = 127.0.0.0/8
            virtual_mailbox_domains = interop.example
            virtual_mailbox_base = {directory}/mail
            virtual_mailbox_maps = static:box/
            virtual_uid_maps = static:{ids.Uid}
            virtual_gid_maps = static:{ids.Gid}
            virtual_mailbox_limit = 0
            message_size_limit = 52428800
            smtputf8_enable = yes
            smtpd_tls_security_level = may
            smtpd_tls_cert_file = {certificate}
            smtpd_tls_key_file = {key}
            maillog_file = /dev/stdout
            {ExtraConfiguration}

            """);
        await File.WriteAllTextAsync(Path.Combine(conf, "master.cf"), $"""
            127.0.0.1:{Port} inet n - n - - smtpd
            pickup    unix  n - n 60 1 pickup
            cleanup   unix  n - n - 0 cleanup
            qmgr      unix  n - n 300 1 qmgr
            tlsmgr    unix  - - n 1000? 1 tlsmgr
            rewrite   unix  - - n - - trivial-rewrite
            bounce    unix  - - n - 0 bounce
            defer     unix  - - n - 0 bounce
            trace     unix  - - n - 0 bounce
            verify    unix  - - n - 1 verify
            flush     unix  n - n 1000? 0 flush
            proxymap  unix  - - n - - proxymap
            smtp      unix  - - n - - smtp
            relay     unix  - - n - - smtp
            showq     unix  n - n - - showq
            error     unix  - - n - - error
            retry     unix  - - n - - error
            discard   unix  - - n - - discard
            local     unix  - n n - - local
            virtual   unix  - n n - - virtual
            lmtp      unix  - - n - - lmtp
            anvil     unix  - - n - 1 anvil
            scache    unix  - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd

            """);
        var install = await ExternalProcess.RunAsync("/usr/lib/postfix/sbin/post-install", [$"config_directory={conf}", "meta_directory=/etc/postfix", "create-missing"]);
        Assert.True(install.ExitCode == 0, install.ToString());

        // start-fg keeps the master in the foreground and its log on stdout: the test owns the process.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Text.StringBuilder();
        master = new Process { StartInfo = new ProcessStartInfo(postfix, ["-c", conf, "start-fg"]) { RedirectStandardOutput = true, RedirectStandardError = true } };
        master.OutputDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
                Log = log.ToString();
            }

            if (e.Data?.Contains("daemon started", StringComparison.Ordinal) == true)
            {
                started.TrySetResult();
            }
        };
        master.Start();
        master.BeginOutputReadLine();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await WaitForListenerAsync();
    }

    public async Task DisposeAsync()
    {
        if (master is not null)
        {
            await ExternalProcess.RunAsync("postfix", ["-c", Path.Combine(directory, "conf"), "stop"]);
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await master.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                master.Kill(entireProcessTree: true);
            }

            master.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Waits until a message file appears in the maildir that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForMessageAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var newDir = Path.Combine(Maildir, "new");
        Directory.CreateDirectory(Maildir);
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(Maildir) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        void Check()
        {
            if (!Directory.Exists(newDir))
            {
                return;
            }

            foreach (var file in Directory.GetFiles(newDir))
            {
                try
                {
                    var text = File.ReadAllText(file);
                    if (match(text))
                    {
                        found.TrySetResult(text);
                    }
                }
                catch (IOException)
                {
                    // Being written; the next event looks again.
                }
            }
        }

        watcher.Created += (_, _) => Check();
        watcher.Renamed += (_, _) => Check();
        Check();
        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("Postfix delivered nothing matching; its log:\n" + Log);
        }
    }

    private async Task WaitForListenerAsync()
    {
        // The master binds its listener before "daemon started"; a first connect may still race it.
        for (var attempt = 0; ; attempt++)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Yield();
            }
        }
    }

    private static async Task<(string Uid, string Gid)> IdsAsync()
    {
        var uid = await ExternalProcess.RunAsync("id", ["-u", "postfix"]);
        var gid = await ExternalProcess.RunAsync("id", ["-g", "postfix"]);
        return (uid.Output.Trim(), gid.Output.Trim());
    }

}
