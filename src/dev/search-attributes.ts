/**
 * Registers the job search attributes on a Temporal namespace when they are
 * missing (the embedded server gets them from `--search-attribute` flags; an
 * existing server started by someone else may not have them). Idempotent.
 */
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { JOB_SEARCH_ATTRIBUTES } from '../domain/search-attributes';

/**
 * Adds the job search attributes that `namespace` lacks.
 * @returns the names added (empty when all were there).
 * @throws the Temporal error when listing or adding is refused (e.g. no permission on Temporal Cloud).
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing: Record<string, number> = {};
    for (const key of JOB_SEARCH_ATTRIBUTES) {
      if (!known.has(key.name)) missing[key.name] = encodeSearchAttributeIndexedValueType(key.type) as number;
    }
    if (Object.keys(missing).length > 0) {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    }
    return Object.keys(missing);
  } finally {
    await connection.close();
  }
}
