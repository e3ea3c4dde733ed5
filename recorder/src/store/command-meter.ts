/**
 * Counts the commands and bytes a Redis client sends, without MONITOR: wraps the client's `sendCommand` and sizes
 * each command as its RESP encoding (`*<n>\r\n` then `$<len>\r\n<arg>\r\n` per argument), which is what goes on
 * the wire. Connection handshakes (HELLO, CLIENT SETINFO) are not counted: only commands sent while ready.
 */
import type { Command, Redis } from 'ioredis';

export interface CommandCounts {
  commands: number;
  bytes: number;
}

function bulkSize(byteLength: number): number {
  return 1 + String(byteLength).length + 2 + byteLength + 2;
}

/** RESP size of a command. Arguments are strings or Buffers by the time ioredis sends them. */
export function respSize(command: Command): number {
  let size = 1 + String(command.args.length + 1).length + 2 + bulkSize(Buffer.byteLength(command.name));
  for (const arg of command.args) {
    const len = Buffer.isBuffer(arg) ? arg.length : Buffer.byteLength(String(arg));
    size += bulkSize(len);
  }
  return size;
}

/** Installs the meter on `client`; the returned object is updated as commands go out. */
export function meterCommands(client: Redis): CommandCounts {
  const counts: CommandCounts = { commands: 0, bytes: 0 };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown => {
    if (client.status === 'ready') {
      counts.commands++;
      counts.bytes += respSize(command);
    }
    return send(command, stream);
  };
  return counts;
}
