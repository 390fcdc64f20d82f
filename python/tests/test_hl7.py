"""dcmkit.hl7_send (dk_hl7_send) against python3-hl7's MLLP server (hl7.mllp.start_hl7_server): the
server receives the message as sent (parsed by python3-hl7), and its acknowledgement (python3-hl7's
create_ack) comes back, as str for str and bytes for bytes; a closed port, a silent listener and an
unframed reply are typed errors.

Run with Debian's interpreter:  PYTHONPATH=BUILD/python /usr/bin/python3 -m pytest python/tests
"""

import asyncio
import socket
import threading

import pytest

import dcmkit

hl7 = pytest.importorskip("hl7")
mllp = pytest.importorskip("hl7.mllp")

ORM = ("MSH|^~\\&|RIS|HOSP|PACS|RAD|20261207120000||ORM^O01|PY-1|P|2.3.1\r"
       "PID|||P9^^^HOSP||Doe^Jane||19800101|F\r"
       "ORC|NW|PL9|FL9\r"
       "OBR|1|PL9|FL9|CT^CT Chest||||||||||||||ACC9|RP9|SPS9|CT01|||CT\r")


@pytest.fixture
def hl7_server():
    """python3-hl7's asyncio MLLP server on a free port, in a thread: (port, messages received)."""
    received = []
    loop = asyncio.new_event_loop()

    async def handle(reader, writer):
        try:
            while not writer.is_closing():
                message = await reader.readmessage()
                received.append(message)
                writer.writemessage(message.create_ack(ack_code="AA", message_id="ACK-" + str(message["MSH.F10"])))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    server = loop.run_until_complete(mllp.start_hl7_server(handle, host="127.0.0.1", port=0))
    port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield port, received
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    server.close()
    loop.run_until_complete(server.wait_closed())
    loop.close()


def test_message_arrives_and_its_ack_comes_back(hl7_server):
    port, received = hl7_server
    ack = dcmkit.hl7_send("127.0.0.1", port, ORM, timeout=10)
    assert isinstance(ack, str)
    assert len(received) == 1
    assert str(received[0]) == str(hl7.parse(ORM))
    parsed = hl7.parse(ack)
    assert str(parsed["MSA.F1"]) == "AA"
    assert str(parsed["MSA.F2"]) == "PY-1"
    assert str(parsed["MSH.F10"]) == "ACK-PY-1"
    # bytes in, bytes out; a second message on a new connection.
    raw = dcmkit.hl7_send("127.0.0.1", port, ORM.replace("PY-1", "PY-2").encode(), timeout=10)
    assert isinstance(raw, bytes)
    assert str(hl7.parse(raw.decode())["MSA.F2"]) == "PY-2"
    assert len(received) == 2


def test_closed_port_is_a_network_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(dcmkit.NetworkError):
        dcmkit.hl7_send("127.0.0.1", port, ORM, timeout=5)


def _one_shot_listener(reply):
    """A listener that reads the message and answers `reply` (None: nothing) on one connection."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(10)

    def run():
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            try:
                conn.recv(65536)
                if reply is None:
                    conn.recv(1)  # until the client gives up
                else:
                    conn.sendall(reply)
                    conn.recv(1)
            except OSError:
                pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return srv, thread


def test_silent_listener_times_out():
    srv, thread = _one_shot_listener(None)
    with srv:
        with pytest.raises(dcmkit.NetworkTimeoutError):
            dcmkit.hl7_send("127.0.0.1", srv.getsockname()[1], ORM, timeout=0.5)
    thread.join(15)


def test_unframed_reply_is_a_protocol_error():
    srv, thread = _one_shot_listener(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    with srv:
        with pytest.raises(dcmkit.ProtocolError):
            dcmkit.hl7_send("127.0.0.1", srv.getsockname()[1], ORM, timeout=5)
    thread.join(15)


def test_bad_arguments():
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.hl7_send("127.0.0.1", 0, ORM)
    with pytest.raises(dcmkit.InvalidArgumentError):
        dcmkit.hl7_send("127.0.0.1", 2575, "")
