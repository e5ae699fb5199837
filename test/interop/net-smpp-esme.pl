#!/usr/bin/perl
# An independent ESME for interop tests: Perl's Net::SMPP (libnet-smpp-perl) binds as a transceiver,
# submits the messages given as JSON on stdin, reads every submit_sm_resp, then waits for delivery
# receipts (answering each with deliver_sm_resp), queries every acknowledged id with query_sm and unbinds.
# Prints one JSON object per event on stdout.
#
# usage: net-smpp-esme.pl HOST PORT SYSTEM_ID PASSWORD RECEIPTS_EXPECTED TIMEOUT_SECONDS < messages.json
# messages.json: [{"to":"+62...","from":"ACME","data_coding":0,"hex":"<short_message bytes in hex>","esm_class":0}, ...]
use strict;
use warnings;
use Net::SMPP;
use JSON::PP;

my ($host, $port, $system_id, $password, $expected, $timeout) = @ARGV;
die "usage: $0 HOST PORT SYSTEM_ID PASSWORD RECEIPTS_EXPECTED TIMEOUT\n" unless defined $timeout;
my $json = JSON::PP->new->canonical;
local $/;
my $messages = $json->decode(<STDIN>);

sub out { print $json->encode($_[0]), "\n"; STDOUT->flush(); }

my $smpp = Net::SMPP->new_transceiver($host, port => $port, system_id => $system_id,
  password => $password, interface_version => 0x34, async => 1)
  or do { out({ event => "connect_failed", error => "$!" }); exit 2 };

# In async mode every PDU is read with read_pdu; match responses by sequence number.
my $bind = $smpp->read_pdu() or do { out({ event => "bind_failed", error => "no response" }); exit 2 };
out({ event => "bind", status => $bind->{status} });
exit 3 if $bind->{status} != 0;

my %pending;
for my $m (@$messages) {
  my $seq = $smpp->submit_sm(
    source_addr_ton => ($m->{from} =~ /^\d+$/ ? 1 : 5), source_addr_npi => ($m->{from} =~ /^\d+$/ ? 1 : 0),
    source_addr => $m->{from},
    dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => substr($m->{to}, 1),
    esm_class => $m->{esm_class} // 0, data_coding => $m->{data_coding} // 0,
    registered_delivery => 1,
    short_message => pack("H*", $m->{hex}),
  );
  $pending{$seq} = $m;
}

my @acked;
my $receipts = 0;
my $deadline = time() + $timeout;
while ((%pending || $receipts < $expected) && time() < $deadline) {
  my $pdu = $smpp->read_pdu() or last;
  my $cmd = $pdu->{cmd};
  if ($cmd == Net::SMPP::CMD_submit_sm_resp) {
    my $m = delete $pending{$pdu->{seq}};
    out({ event => "submit_resp", to => $m->{to}, status => $pdu->{status}, message_id => $pdu->{message_id} });
    push @acked, { message_id => $pdu->{message_id}, from => $m->{from},
      ton => ($m->{from} =~ /^\d+$/ ? 1 : 5), npi => ($m->{from} =~ /^\d+$/ ? 1 : 0) } if $pdu->{status} == 0;
  } elsif ($cmd == Net::SMPP::CMD_deliver_sm) {
    $receipts++;
    my $rid = $pdu->{receipted_message_id};
    $rid =~ s/\0$// if defined $rid;
    out({ event => "receipt", esm_class => $pdu->{esm_class}, text => $pdu->{short_message},
          receipted_message_id => $rid, message_state => (defined $pdu->{message_state} ? ord($pdu->{message_state}) : undef) });
    $smpp->deliver_sm_resp(seq => $pdu->{seq}, message_id => '');
  } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
    $smpp->enquire_link_resp(seq => $pdu->{seq});
  }
}
# Then ask for each acknowledged id with query_sm (source_addr as submitted) and report the answers.
my %queried;
for my $r (@acked) {
  my $seq = $smpp->query_sm(message_id => $r->{message_id}, source_addr_ton => $r->{ton}, source_addr_npi => $r->{npi},
    source_addr => $r->{from});
  $queried{$seq} = $r->{message_id};
}
while (%queried && time() < $deadline) {
  my $pdu = $smpp->read_pdu() or last;
  next unless $pdu->{cmd} == Net::SMPP::CMD_query_sm_resp;
  my $asked = delete $queried{$pdu->{seq}};
  out({ event => "query", asked => $asked, status => $pdu->{status}, message_id => $pdu->{message_id},
        message_state => $pdu->{message_state}, final_date => $pdu->{final_date}, error_code => $pdu->{error_code} });
}
$smpp->unbind();
my $resp = $smpp->read_pdu();
out({ event => "unbind", status => defined $resp ? $resp->{status} : undef });
out({ event => "done", receipts => $receipts, unanswered => scalar(keys %pending) });
