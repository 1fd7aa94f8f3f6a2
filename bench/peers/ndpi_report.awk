# bench/peers/ndpi_report.awk: reads what `ndpiReader -v 2` (nDPI 4.2, not
# quiet) printed on stdout and prints one line
#   FRAMES PROCESSING_SECONDS FLAGGED_FLOWS FLOW_LINES UNIQUE_FLOWS
# or nothing (exit 1) when a figure is missing.
#   FRAMES              "IP packets: N of F packets total": F, every frame read
#   PROCESSING_SECONDS  ndpiReader's own gettimeofday() span around its packet
#                       threads (after the lists are loaded, before results
#                       are printed). It prints that span twice: "Packet
#                       Processing Time: T msec" (truncated to the msec) and
#                       "nDPI throughput: R [K|M] pps" with R = IP packets *
#                       1e6 / span_usec. IP packets / R has more digits than
#                       T when R is in K (5 significant), so that is used when
#                       it agrees with T to the msec, T otherwise.
#   FLAGGED_FLOWS       flow lines ("\t<n>\t<L4> ...") in category CAT
#                       (-v cat='User custom category 1/20')
#   FLOW_LINES, UNIQUE_FLOWS  flow lines printed and the "Unique flows"
#                       figure: ndpi.sh warns when they differ (flows not
#                       printed could not be counted as flagged).
BEGIN { frames = ""; ms = ""; pps = ""; ip = ""; uniq = ""; flows = 0; flagged = 0 }
/^\tIP packets:/ {
  ip = $3
  for (i = 4; i < NF; i++) if ($i == "of") frames = $(i + 1)
}
/^\tPacket Processing Time:/ { ms = $4 }
/^\tnDPI throughput:/ {
  pps = $3
  if ($4 == "K") pps *= 1e3
  else if ($4 == "M") pps *= 1e6
  unit = $4
}
/^\tUnique flows:/ { uniq = $3 }
/^\t[0-9]+\t[A-Za-z0-9]+ / {
  flows++
  if (index($0, "[cat: " cat "]")) flagged++
}
END {
  if (frames == "" || ms == "" || uniq == "") exit 1
  secs = ms / 1000
  if (pps > 0 && unit == "K") {
    t = ip / pps
    if (t - secs >= -0.0001 && t - secs < 0.0011) secs = t
  }
  printf "%s %.4f %d %d %s\n", frames, secs, flagged, flows, uniq
}
