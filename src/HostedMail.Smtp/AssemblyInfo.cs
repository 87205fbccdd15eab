namespace HostedMail.Smtp;
