/**
 * DNS TXT lookups, as custom-domain verification needs them.
 * Adapter: NodeDnsTxtRecords (Node's resolver, against the system's or the
 * configured DNS servers).
 */
export abstract class TxtRecords {
  /**
   * The TXT records at `name`, each one's strings joined; an empty list when
   * the name has none or does not exist. Throws IntegrationError('dns', 'unavailable') when DNS
   * could not tell (a timeout, a refusal, a server failure).
   */
  abstract lookup(name: string): Promise<string[]>;
}
