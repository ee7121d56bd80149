export interface FileSpaceEnsured {
  /** The file server's id of the space (drive). */
  handle: string;
  created: boolean;
}

/** The file server's spaces, as the files step needs them. Adapter: OcisFileSpaces. */
export abstract class FileSpaces {
  /** Finds the tenant's space by name, or creates it with the quota; idempotent. */
  abstract ensureSpace(name: string, description: string, quotaBytes: number): Promise<FileSpaceEnsured>;
  /** Throws when the file server does not answer or refuses the token. */
  abstract ping(): Promise<void>;
}

