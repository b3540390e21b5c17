import Foundation
import Testing
@testable import Tuning

@Suite struct TreeParzenTests {
    /// The Parzen mixture matches Optuna's: log densities from optuna 5.0.0's
    /// `_ParzenEstimator(observations, search_space, _ParzenEstimatorParameters(prior_weight=1.0,
    /// consider_magic_clip=True, consider_endpoints=False, weights=default_weights, multivariate=True)).log_pdf(probe)`
    /// for x1 in [-5, 10], x2 in [0, 15], c in {a, b, c}, observations (-4, 1, a), (1, 7, c), (2.5, 3, c), (9, 14, b).
    @Test func logDensitiesMatchOptunasParzenEstimator() throws {
        let space = try SearchSpace([.double("x1", min: -5, max: 10), .double("x2", min: 0, max: 15),
                                     .categorical("c", ["a", "b", "c"])])
        func unit(_ p: [Double]) -> [Double] { [(p[0] + 5) / 15, p[1] / 15, p[2]] }
        let observations = [[-4.0, 1, 0], [1, 7, 2], [2.5, 3, 2], [9, 14, 1]].map(unit)
        let mixture = Parzen(points: observations, space: space, priorWeight: 1, multivariate: true)
        let probes = [[0.0, 2, 0], [5, 10, 1], [-4.5, 14.9, 2]].map(unit)
        let optuna = [-5.499282637442506, -6.344737583722191, -7.377616135727042]
        for (p, expected) in zip(probes, optuna) {
            // kf works on the unit square: Optuna's density is per unit of x1 and x2, hence the 15 x 15 Jacobian.
            let got = mixture.logDensity(p) - 2 * log(15.0)
            #expect(abs(got - expected) < 1e-9, "\(got) vs Optuna's \(expected)")
        }
    }
}
