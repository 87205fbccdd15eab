namespace HostedMail.Testing.Dns;
