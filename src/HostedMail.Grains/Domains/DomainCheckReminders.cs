using HostedMail.Core.Domains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;

namespace HostedMail.Grains.Domains;

/// <summary>The domains' DNS checks on Orleans reminders: how often each domain's grain looks at its schedule.</summary>
public sealed class DomainCheckOptions
{
    /// <summary>Off: no reminders are registered (tests of other things, nodes that must not query DNS).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// The reminder's period; each tick runs the checks that are due by the domain's schedule
    /// (back-off while pending, the recheck interval once verified). Orleans' minimum is one minute
    /// unless the silo lowers <c>ReminderOptions.MinimumReminderPeriod</c>.
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>How fresh the domain grain's RCPT answers are in what changes outside the directory's writers.</summary>
public sealed class DomainDirectoryOptions
{
    /// <summary>The mailboxes' used bytes (RCPT quota check) are at most this old; one query per domain per period.</summary>
    public TimeSpan UsageRefresh { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// At node start, makes sure every domain's grain has its check reminder (domains added before the
/// reminders existed, or by an operator tool while no node ran); domains added later get theirs
/// when the directory change reaches their grain. Registration is idempotent, so every node
/// sweeping at start costs a read per domain, never a second reminder.
/// </summary>
internal sealed partial class DomainCheckScheduler(IGrainFactory grains, IDomainStore domains, IHostApplicationLifetime lifetime, ILogger<DomainCheckScheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The silo starts with the host; grains can be called once the host has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        try
        {
            var names = (await domains.ListAsync(null, stoppingToken)).Select(d => DomainKeys.Of(d.Name)).Distinct(StringComparer.Ordinal);
            foreach (var name in names)
            {
                await grains.GetGrain<IDomainGrain>(name).EnsureChecksAsync().WaitAsync(stoppingToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSweepFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 8110, Level = LogLevel.Error, Message = "Registering the domains' check reminders failed; domains get theirs at their next change or node start")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}

/// <summary>Registrations for the domain check reminders.</summary>
public static class DomainCheckRemindersServiceCollectionExtensions
{
    public static IServiceCollection AddDomainCheckReminders(this IServiceCollection services, DomainCheckOptions options)
    {
        services.AddSingleton(options);
        if (options.Enabled)
        {
            services.AddHostedService<DomainCheckScheduler>();
        }

        return services;
    }
}
