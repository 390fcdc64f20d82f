#!/usr/bin/env bash
# Seeds for hl7_fuzzer: HL7 v2 messages (ORM^O01 v2.3.1, OMI^O23 v2.5.1 in ISO 8859-1, ADT^A08, other
# delimiters, LF segment ends, escapes) and MLLP frames. Usage: make_hl7_seeds.sh OUT_DIR
set -euo pipefail
out=$1
mkdir -p "$out"
printf 'MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|M1|P|2.3.1\rPID|||P1^^^HOSP||Doe^John^Q||19700215|M\rPV1||O|RAD^101|||||1^Ref^Rita||||||||||V1\rORC|NW|PL1^RIS|FL1^PACS||SC||^^^20261208093000^^R|||||5^Ord^Otto\rOBR|1|PL1^RIS|FL1^PACS|CT^CT Head^L^P1^Head^L||||||||||||||ACC1|RP1|SPS1|CT01|||CT\rZDS|1.2.3.4^100^Application^DICOM\r' >"$out/orm-o01"
printf 'MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||OMI^O23^OMI_O23|O1|P|2.5.1||||||8859/1\rPID|||P7^^^HOSP||M\xfcller^J\xf6rg||19811224|F\rPV1||I\rORC|NW|PL9|FL9||SC\rTQ1|1||||||202612091415||S\rOBR|1|PL9|FL9|MR^MR Knee^L\rIPC|ACC9|RP9|1.2.3.9|SPS9A|MR|K1^Knee^L|ROOM1||MRSCAN01\rIPC|ACC9|RP9|1.2.3.9|SPS9B|MR||||MRSCAN02\r' >"$out/omi-o23"
printf 'MSH|^~\\&|ADT|HOSP|PACS|RAD|2026||ADT^A08|A1|P|2.5.1\nEVN|A08\nPID|||P1^^^HOSP||Doe^Jonathan||19700216|M\n' >"$out/adt-a08-lf"
printf 'MSH*#!$%%*A*B$F$C$S$D$T$E$E$R$X41$$.br$$H$x$N$\r\nNTE*1**a#b%%c!d\r\n' >"$out/other-delimiters"
printf 'MSH|^~\\&#|A|B|C|D|2026||ADT^A08|2|P|2.7||||||ISO IR6~ISO IR87\rPID|||1||\\M2442\\x\\C2842\\\r' >"$out/v27-truncation-iso2022"
printf '\x0bMSH|^~\\&|A|B|C|D|2026||ACK|3|P|2.5.1\rMSA|AA|M1\r\x1c\r\x0bMSH|^~\\&|A\r\x1c\r' >"$out/mllp-two-frames"
