import { JobName, QueueName } from '@app/queue';

/** Label value for anything outside a label's known set, so cardinality stays bounded. */
export const OTHER = 'other';

const QUEUES = new Set<string>(Object.values(QueueName));
const JOBS = new Set<string>(Object.values(JobName));

/** A queue name as a label: one of `QueueName`, or `other`. */
export const queueLabel = (name: string): string => (QUEUES.has(name) ? name : OTHER);

/** A job name as a label: one of `JobName`, or `other`. */
export const jobLabel = (name: string | undefined): string =>
  name !== undefined && JOBS.has(name) ? name : OTHER;
