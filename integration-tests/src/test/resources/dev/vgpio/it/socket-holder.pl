#!/usr/bin/perl
# Holds a listening Unix socket the way a systemd socket unit does, and starts the daemon on it (descriptor 3,
# LISTEN_FDS=1, LISTEN_PID its pid) as many times as asked, each after the last one exited: a restarted service.
# Prints "listening", then "started PID" and "exited STATUS" for each run, on stdout. With VGPIO_HOLDER_GO=FILE
# in the environment, each run after the first waits until FILE.N exists (N: the run's number, from 2), so that a
# test can do something while no daemon runs.
# Usage: socket-holder.pl PATH RUNS COMMAND [ARG...]
use strict;
use warnings;
use IO::Handle;
use POSIX ();
use Socket;

my ($path, $runs, @command) = @ARGV;
die "usage: socket-holder.pl PATH RUNS COMMAND [ARG...]\n" unless defined $runs && @command;
STDOUT->autoflush(1);
$^F = 10; # descriptors up to 10 stay open across exec: the socket is the daemon's too
socket(my $listener, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
bind($listener, pack_sockaddr_un($path)) or die "bind $path: $!\n";
listen($listener, 16) or die "listen $path: $!\n";
# at descriptor 3, where systemd passes the first socket
POSIX::dup2(fileno($listener), 3) or die "dup2: $!\n" unless fileno($listener) == 3;
print "listening\n";
for my $run (1 .. $runs) {
    if ($run > 1 && defined $ENV{VGPIO_HOLDER_GO}) {
        select(undef, undef, undef, 0.05) until -e "$ENV{VGPIO_HOLDER_GO}.$run";
    }
    my $pid = fork();
    die "fork: $!\n" unless defined $pid;
    if ($pid == 0) {
        $ENV{LISTEN_FDS} = 1;
        $ENV{LISTEN_PID} = $$;
        exec(@command) or die "exec $command[0]: $!\n";
    }
    print "started $pid\n";
    waitpid($pid, 0);
    print "exited ", ($? & 127 ? 128 + ($? & 127) : $? >> 8), "\n";
}
