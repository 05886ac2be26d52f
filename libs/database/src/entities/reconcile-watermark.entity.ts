import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * How far the reconcile sweep has compared VAPI's calls with ours: every call VAPI changed at
 * or before `watermark` has been looked at. One row per swept source (today only `calls`).
 */
@Entity({ name: 'reconcile_watermarks' })
export class ReconcileWatermark {
  /** What is swept. PERSISTENT: a renamed key starts the sweep over from its lookback. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_reconcile_watermarks' })
  key!: string;

  /** VAPI's `updatedAt` up to which (inclusive) every call has been compared. */
  @Column({ type: 'timestamptz' })
  watermark!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
