// `ferry keys generate|identity`: URL token keys and appliance identity keys. Each action loads its
// implementation lazily, so that `ferry --help` stays fast.
import type { Command } from 'commander';

export function addKeysCommand(program: Command): void {
  const keys = program.command('keys').description('URL token keys and appliance identity keys');
  keys
    .command('generate')
    .description('write a new key file (one signing key) for control and appliances')
    .requiredOption('--out <file>', 'key file to write')
    .option('--key-id <id>', 'key id', 'k1')
    .option('--add', 'add a key to an existing file and make it the signing key (rotation)', false)
    .action(async (opts) => {
      const { runKeysGenerate } = await import('@ferry/protocol');
      await runKeysGenerate(opts);
    });
  keys
    .command('identity')
    .description("write an appliance's identity key (Ed25519) and print the public key to enroll at control")
    .requiredOption('--out <file>', 'private key file to write (mode 0600)')
    .option('--force', 'replace an existing key (the appliance must then be enrolled again)', false)
    .action(async (opts) => {
      const { runIdentityKeygen } = await import('@ferry/appliance');
      await runIdentityKeygen(opts);
    });
}
