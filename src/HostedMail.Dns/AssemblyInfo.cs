namespace HostedMail.Dns;
