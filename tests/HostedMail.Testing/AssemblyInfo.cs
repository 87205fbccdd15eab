namespace HostedMail.Testing;
