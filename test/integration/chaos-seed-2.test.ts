/** The chaos run on seed 2 (test/integration/helpers/chaos-test.ts). */
import { chaosTest } from './helpers/chaos-test.ts';

chaosTest(2);
