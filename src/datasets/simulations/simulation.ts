/**
 * A numerical simulation the project can run itself: the parameters it is swept over, and one
 * run at a point of them giving an image of its output field. `dsi datasets add NAME` sweeps one
 * into a store as an ensemble; `dsi ml validate --simulate NAME` runs it again at points nobody
 * ran, to measure a model's predictions against the truth.
 *
 * A run is deterministic: the same point, size and version give the same pixels, byte for byte,
 * on every machine (plain float64 arithmetic in a fixed order, no threads, no libtorch).
 */

/** One continuous input of a simulation. */
export interface SimulationParameter {
  /** Its column name in the ensemble table (a plain lower-case identifier). */
  readonly name: string;
  /** The range an ensemble is swept over by default. */
  readonly min: number;
  readonly max: number;
  /** Its unit, for the column's units (`store.units`), or '' when dimensionless. */
  readonly unit: string;
  readonly description: string;
}

/** What one run produces. */
export interface SimulationOutput {
  /** The output field, `size × size` float64 values, row-major (row 0 at the top of the image). */
  readonly field: Float64Array;
  /** The field as the ensemble stores it: `channels × size × size` uint8 pixels, planar. */
  readonly pixels: Uint8Array;
  /** Scalar outputs recorded beside the image (a peak value, a total…), by column name. */
  readonly scalars: Readonly<Record<string, number>>;
}

export interface Simulation {
  /** The name `datasets add` and `validate --simulate` take: `heat-transfer`. */
  readonly name: string;
  readonly title: string;
  /** Bumped whenever a run's output changes; stored on every ensemble row. */
  readonly version: string;
  readonly parameters: readonly SimulationParameter[];
  readonly channels: 1 | 3;
  /** The image sizes it can be run at, and the one used by default. */
  readonly sizes: readonly number[];
  readonly defaultSize: number;
  /** One run at `point` (a value for every parameter, within or outside the default ranges). */
  run(point: Readonly<Record<string, number>>, options: { readonly size: number }): SimulationOutput;
}
