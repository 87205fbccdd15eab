namespace HostedMail.Storage;
