// Secrets met by `corral import`: env values and headers that look like credentials, and URLs that
// carry userinfo or a query (tokens often ride there), leave the server entry for the config's
// envFile (mode 0600), and the entry keeps a ${VAR} reference. Values never
// appear in what is printed: only the variable names and where they were.
import { chmod, readFile, rename, writeFile } from "node:fs/promises";
import { formatEnvLine, parseEnvFile } from "../config/index.js";

/** Env names that hold credentials: tokens, keys, secrets, passwords, auth, cookies, private keys. */
const SECRET_NAME =
  /TOKEN|SECRET|PASSW(OR)?D|PASSPHRASE|AUTH|CREDENTIAL|COOKIE|PRIVATE|APIKEY|(^|_)(ACCESS_|API_)?KEY($|_)|(^|_)PAT($|_)/i;
/** Headers that carry credentials, besides names that match SECRET_NAME. */
const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "x-api-key"]);

export interface MovedSecret {
  /** Where it was, e.g. `github.env.GITHUB_TOKEN`. */
  readonly from: string;
  readonly variable: string;
}

export const isSecretName = (name: string) => SECRET_NAME.test(name.replaceAll("-", "_"));
const isSecretHeader = (name: string) => SECRET_HEADERS.has(name.toLowerCase()) || isSecretName(name);
/** A URL with userinfo or a query: the whole URL moves, since any part of those may be a token. */
function isUrlWithCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "" || url.search !== "";
  } catch {
    return false;
  }
}

/** A value that already refers to a variable holds no secret of its own. */
const hasReference = (value: string) => value.replaceAll("$${", "").includes("${");

const toVariable = (text: string) =>
  text
    .toUpperCase()
    .replace(/[^A-Z0-9_]+/g, "_")
    .replace(/^([0-9])/, "_$1");

/** The variables of the env file, plus the ones this import adds. */
export class SecretStore {
  readonly #values: Map<string, string>;
  readonly #added = new Map<string, string>();

  private constructor(values: Record<string, string>) {
    this.#values = new Map(Object.entries(values));
  }

  static async open(path: string): Promise<SecretStore> {
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return new SecretStore(parseEnvFile(text).values);
  }

  get added(): ReadonlyMap<string, string> {
    return this.#added;
  }

  /** A variable holding `value`: one that already does, else `preferred`, else `fallback`, numbered. */
  #name(value: string, preferred: string, fallback: string, pending: Map<string, string>): string {
    const holds = (name: string) => (pending.get(name) ?? this.#values.get(name)) === value;
    const free = (name: string) => !pending.has(name) && !this.#values.has(name);
    for (const name of [preferred, fallback]) if (holds(name)) return name;
    for (const name of [preferred, fallback]) if (free(name)) return name;
    for (let index = 2; ; index++) {
      const name = `${fallback}_${index}`;
      if (holds(name) || free(name)) return name;
    }
  }

  /**
   * `server` (file form) with its secret env values and headers replaced by ${VAR}; `commit` records
   * the variables for writing (call it only for a server that is really added).
   */
  extract(
    name: string,
    server: Record<string, unknown>,
  ): { server: Record<string, unknown>; moved: MovedSecret[]; commit: () => void } {
    const pending = new Map<string, string>();
    const moved: MovedSecret[] = [];
    const replace = (section: "env" | "headers", isSecret: (key: string) => boolean) => {
      const record = server[section];
      if (typeof record !== "object" || record === null) return record;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(record)) {
        if (typeof value !== "string" || value === "" || hasReference(value) || !isSecret(key)) {
          out[key] = value;
          continue;
        }
        const preferred = section === "env" ? toVariable(key) : toVariable(`${name}_${key}`);
        const variable = this.#name(value, preferred, toVariable(`${name}_${key}`), pending);
        pending.set(variable, value);
        out[key] = `\${${variable}}`;
        moved.push({ from: `${name}.${section}.${key}`, variable });
      }
      return out;
    };
    const env = replace("env", isSecretName);
    const headers = replace("headers", isSecretHeader);
    const result: Record<string, unknown> = {
      ...server,
      ...(env === undefined ? {} : { env }),
      ...(headers === undefined ? {} : { headers }),
    };
    for (const key of ["url", "serverUrl"]) {
      const value = server[key];
      if (typeof value !== "string" || hasReference(value) || !isUrlWithCredentials(value)) continue;
      const variable = this.#name(value, toVariable(`${name}_URL`), toVariable(`${name}_${key}`), pending);
      pending.set(variable, value);
      result[key] = `\${${variable}}`;
      moved.push({ from: `${name}.${key}`, variable });
    }
    const commit = () => {
      for (const [variable, value] of pending) {
        if (this.#values.get(variable) === value) continue;
        this.#values.set(variable, value);
        this.#added.set(variable, value);
      }
    };
    return { server: result, moved, commit };
  }
}

/** Appends the added variables to the env file, which is (and stays) readable by its owner only. */
export async function writeSecrets(path: string, added: ReadonlyMap<string, string>): Promise<void> {
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text === "") text = `# Secrets for the Corral config's \${VAR} references. Keep this file private.\n`;
  else if (!text.endsWith("\n")) text += "\n";
  for (const [variable, value] of added) text += `${formatEnvLine(variable, value)}\n`;
  const temporary = `${path}.corral-tmp-${process.pid}`;
  await writeFile(temporary, text, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
