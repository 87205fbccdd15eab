namespace HostedMail.Core;
